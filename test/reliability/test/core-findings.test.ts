// Findings of the campaign in @acp/core, reduced to deterministic in-process tests on core's reference
// adapters. All three are fixed in core (retry-later answers are not stored; a request resumes another's
// pending attempt without taking its outcome; a payment-link attempt is committed before the PSP call and
// reused on retry); these are their regression tests.
//
// Finding 1 — a retry-safe 409 is stored under the idempotency key and replayed forever.
// Found by the two-instance storm: while one caller's charge is in flight, a second caller (another key)
// gets 409 `payment_in_progress` with `Retry-After`. `idempotent()` in service.ts stores every answer below
// 500, so that 409 becomes the key's permanent answer: when the client retries with the same key — as
// Retry-After invites, and as the campaign's agents do — it gets the replayed 409 for 24 h instead of the
// real outcome (409 `session_completed`, or its own charge if the first one declined). The client never
// reaches a final answer. No money is at risk (nothing was executed), but the agent is stuck unless it
// invents a new key. The same holds for `concurrent_modification` (409 with Retry-After) from the CAS loops.
// Suggested fix: treat answers that carry Retry-After (payment_in_progress, concurrent_modification) like
// 5xx — `idempotencyRelease` instead of `idempotencyFinish`, and not stored inside the final commit.
//
// Finding 2 — a request resumes another request's pending attempt and answers with that attempt's outcome.
// `completeSession` calls `resumePending(state, version, idem)` with the CURRENT request's idempotency record
// whenever the session is complete_in_progress and the lease has passed. So request B (its own key and its
// own token) finishes request A's attempt (A's token) and is told A's outcome, which is stored under B's key:
// "declined" although B's card was never tried (B's agent then asks the buyer for another card), or
// "completed" although B's token was never charged. Money is safe (one attempt, one charge); the answers are
// wrong. Suggested fix: resume the attempt, then re-run B's own request against the resulting state (a
// decline leaves the session payable → B's charge; a success → 409 session_completed).
//
// Finding 3 — a lost answer to the Checkout Session create makes `createPaymentLink` fail with 500 forever.
// Found by the SQLite campaign (a lost_response on POST /v1/checkout/sessions, stripe-node retries off).
// `beginPaymentLink` does not persist the link attempt before calling the PSP (charges do), and computes the
// link's `expiresAt` from `now`. The PSP idempotency key is the same on the next call (same attempt number)
// but `expires_at` is not (a second later it differs), so Stripe answers 400 `idempotency_error` ("Keys for
// idempotent requests can only be used with the same parameters") on every retry for 24 h; the gateway
// throws and core answers 500 internal_error ("safe to retry"), which never heals. The session can still be
// paid by SPT, never by a hosted link. Suggested fix: make the parameters sent under an attempt's key a
// function of stored data — e.g. commit the link attempt with its `expiresAt` before calling the PSP (as
// charges are) and reuse it when the attempt is retried; and in @acp/stripe derive the clamp from that
// value, not from `now`.
import type { ChargeRequest, ChargeResult, CheckoutSession } from '@acp/core';
import { createSystemClock } from '@acp/core/adapters';
import {
  createManualClock,
  createMemoryGateway,
  createTestCheckout,
  MEMORY_TEST_TOKENS,
} from '@acp/core/testing';
import { createStripeGateway } from '@acp/stripe';
import { startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';

const V = '2026-04-17';
const ctx = (key: string, caller = 'agent') => ({ caller, apiVersion: V, idempotencyKey: key });
const pay = (token: string) => ({
  payment_data: {
    handler_id: 'card_tokenized',
    instrument: { type: 'card', credential: { type: 'spt', token } },
  },
});

/** A memory gateway whose charges wait until `release()`, so a second caller arrives mid-charge. */
function gatedGateway() {
  const inner = createMemoryGateway();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let entered!: () => void;
  const charging = new Promise<void>((resolve) => {
    entered = resolve;
  });
  return {
    gateway: {
      ...inner,
      async charge(request: ChargeRequest): Promise<ChargeResult> {
        entered();
        await gate;
        return inner.charge(request);
      },
    },
    charging,
    release: () => open(),
  };
}

async function payableSession() {
  const g = gatedGateway();
  const t = createTestCheckout({ gateway: g.gateway, clock: createSystemClock() });
  const created = await t.service.createSession(
    {
      currency: 'usd',
      line_items: [{ id: 'ebook_mcp' }],
      buyer: { email: 'ada@example.com' },
      capabilities: { interventions: { supported: [] } },
    },
    ctx('create'),
  );
  const session = created.body as CheckoutSession;
  expect(session.status).toBe('ready_for_payment');
  return { t, g, id: session.id };
}

describe('core finding 1: a retry-safe 409 payment_in_progress is replayed for the same key', () => {
  it('the loser first gets 409 payment_in_progress with Retry-After (a retry-safe answer)', async () => {
    const { t, g, id } = await payableSession();
    const winner = t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-a'));
    await g.charging;
    const loser = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    expect(loser.status).toBe(409);
    expect(loser.body).toMatchObject({ code: 'payment_in_progress' });
    expect(loser.headers['retry-after']).toBeDefined();
    g.release();
    expect((await winner).status).toBe(200);
  });

  it('retrying with the same key after the payment finished gets the real outcome, not the replayed 409', async () => {
    const { t, g, id } = await payableSession();
    const winner = t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-a'));
    await g.charging;
    const first = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    expect(first.status).toBe(409);
    g.release();
    expect(((await winner).body as CheckoutSession).status).toBe('completed');

    // The agent follows Retry-After and repeats its request with the same key.
    const retried = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    // Today: 409 payment_in_progress, `idempotent-replayed: true` — and the same on every later retry.
    expect(retried.replayed).toBe(false);
    expect(retried.status).toBe(409);
    expect(retried.body).toMatchObject({ code: 'session_completed' });
  });

  it('a loser whose rival declined can still pay with its own key once the session is payable again', async () => {
    const { t, g, id } = await payableSession();
    const rival = t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.declines), ctx('key-a'));
    await g.charging;
    const first = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    expect(first.status).toBe(409);
    g.release();
    expect(((await rival).body as CheckoutSession).status).toBe('ready_for_payment');

    const retried = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    expect(retried.status).toBe(200);
    expect((retried.body as CheckoutSession).status).toBe('completed');
  });
});

describe('core finding 3: a lost Checkout Session answer makes create_payment_link fail forever', () => {
  it('the next create_payment_link call after a lost answer returns the link', async () => {
    const emulator = await startStripeEmulator();
    try {
      const stripe = new Stripe('sk_test_finding_3', { ...emulator.stripeConfig, maxNetworkRetries: 0 });
      const gateway = createStripeGateway({
        stripe,
        paymentLinks: { successUrl: 'http://127.0.0.1/paid', cancelUrl: 'http://127.0.0.1/cart' },
      });
      const clock = createManualClock(new Date());
      const t = createTestCheckout({ gateway, clock });
      const created = await t.service.createSession(
        {
          currency: 'usd',
          line_items: [{ id: 'ebook_mcp' }],
          buyer: { email: 'ada@example.com' },
          capabilities: { interventions: { supported: [] } },
        },
        ctx('create'),
      );
      const id = (created.body as CheckoutSession).id;

      // Stripe creates the Checkout Session, the answer is lost; the client's own retry is dropped before
      // Stripe's idempotency layer (a 500 there is impossible: Stripe would replay the saved session).
      emulator.injectFaults(
        { kind: 'lost_response', method: 'POST', path: '/v1/checkout/sessions' },
        { kind: 'drop_connection', method: 'POST', path: '/v1/checkout/sessions' },
      );
      const lost = await t.service.createPaymentLink(id, { caller: 'agent' });
      expect(lost.status).toBe(503);
      expect(lost.body).toMatchObject({ code: 'payment_unavailable' });

      // The agent retries two seconds later, then again a minute later.
      for (const wait of [2_000, 60_000]) {
        clock.advance(wait);
        const retried = await t.service.createPaymentLink(id, { caller: 'agent' });
        // Today: 500 internal_error every time (Stripe: 400 idempotency_error, different expires_at).
        expect(retried.body).not.toMatchObject({ code: 'internal_error' });
        expect(retried.status).toBe(200);
        expect((retried.body as { url: string }).url).toContain('/c/pay/');
      }
    } finally {
      await emulator.close();
    }
  });
});

describe("core finding 2: another request resuming a pending attempt gets that attempt's outcome", () => {
  it('B, whose card was never tried, is not told that its payment was declined', async () => {
    const t = createTestCheckout({ clock: createSystemClock() });
    const created = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        buyer: { email: 'ada@example.com' },
        capabilities: { interventions: { supported: [] } },
      },
      ctx('create'),
    );
    const id = (created.body as CheckoutSession).id;
    // A's charge (a declining card) goes out, but the PSP's answer never arrives: 503, attempt pending.
    t.gateway.injectFaults('network_before');
    const a = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.declines), ctx('key-a'));
    expect(a.status).toBe(503);
    // B (another request of the session's owner: sessions are bound to their creator) completes with its own,
    // good card.
    const b = await t.service.completeSession(id, pay(MEMORY_TEST_TOKENS.succeeds), ctx('key-b'));
    // Today: 200 ready_for_payment with payment_declined — A's decline, under B's key.
    expect((b.body as CheckoutSession).status).toBe('completed');
  });
});
