// Second independent payments review (after the fix-money merge): its PoCs, kept as regression tests (each
// failed on the code before the fix). Real engine + real stripe-node client + the emulator over HTTP.
// Engine-level rules behind them: packages/core/test/money-findings.test.ts ("review 2").
import type { CheckoutSession } from '@acp/core';
import { createManualClock, createSequentialIds, createTestCheckout } from '@acp/core/testing';
import { describe, expect, it } from 'vitest';
import { createStripeGateway } from '../src/index.js';
import { payWith, useEngineStack } from './engine-stack.js';
import { postForm, type Setup } from './fixture.js';

const { ctx, stack, readySession } = useEngineStack('agent_review2');

/** Another integration on the same Stripe account (a no-code Payment Link, a tip jar, a second shop): a
 * Checkout Session WITHOUT our metadata whose client_reference_id is chosen by the buyer (Stripe Payment Links
 * take `?client_reference_id=` from the URL). */
async function foreignCheckoutPaid(s: Setup, clientReferenceId: string, amount: number) {
  const cs = await s.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Tip' } } },
    ],
    success_url: 'https://other-integration.example/thanks',
    client_reference_id: clientReferenceId,
  });
  expect((await postForm(cs.url!, { action: 'pay', payment_method: 'pm_card_visa' })).status).toBe(303);
  await s.emulator.webhooks.idle();
  const after = await s.stripe.checkout.sessions.retrieve(cs.id);
  return after.payment_intent as string;
}

describe('R2-1 (high): a foreign Checkout Session is taken for ours through client_reference_id', () => {
  it('a 1.00 payment on another integration of the account, client_reference_id = our session id, does not complete our session', async () => {
    const { s, t } = await stack();
    const { id, total } = await readySession(t);
    expect(total).toBeGreaterThan(100);
    await foreignCheckoutPaid(s, id, 100);
    const order = await t.service.getOrderBySession(id);
    // Actual: sessionIdOf() falls back to client_reference_id; the payment "wins", the session is completed
    // and a confirmed order (goods ship, inventory committed) is placed for 1.00 (only flagged paymentMismatch).
    expect({ status: (await t.service.loadSession(id))?.status, order: order?.amount }).toEqual({
      status: 'ready_for_payment',
      order: undefined,
    });
  });

  it("another integration's payment for a completed session's id is not refunded as our duplicate", async () => {
    const { s, t } = await stack();
    const { id, total } = await readySession(t);
    const paid = await t.service.completeSession(id, payWith(await s.token('pm_card_visa', total)), ctx());
    expect((paid.body as CheckoutSession).status).toBe('completed');
    const foreign = await foreignCheckoutPaid(s, id, 2500);
    const refunds = await s.stripe.refunds.list({ payment_intent: foreign });
    // Actual: settleExtraPayment refunds the other integration's payment in full (reason duplicate).
    expect(refunds.data).toHaveLength(0);
  });
});

describe('R2-2 (medium): a saved-500 attempt whose resend meets idempotency_error is wedged until its SPT expires', () => {
  it('a config change between sends (a deploy during the incident) never lets the attempt close; cancel refused', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false });
    const { id, total } = await readySession(t);
    const body = payWith(await s.token('pm_card_visa', total));
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    expect((await t.service.completeSession(id, body, ctx('wedge'))).status).toBe(503);
    // The merchant deploys during the incident: same store, same Stripe account, the gateway sends one
    // parameter differently (here the PaymentIntent description; equally `authentication` added/removed,
    // which flips error_on_requires_action, sptParameter, or a library upgrade).
    const g2 = createStripeGateway({
      stripe: s.stripe,
      now: () => clock.now().getTime(),
      description: (sid) => `Order for ${sid}`,
      paymentLinks: { successUrl: 'https://shop.example/paid?cs={CHECKOUT_SESSION_ID}' },
    });
    const t2 = createTestCheckout({ gateway: g2, clock, store: t.store, ids: createSequentialIds('v2') });
    // The agent gave up; the recovery timer resends (saved 500, then idempotency_error after the deploy). A
    // retried complete would, once the attempt closes, pay with a new key: see the next test.
    for (let i = 0; i < 4; i++) {
      clock.advance(301_000);
      await t2.service.recoverPendingPayments();
    }
    // 20 min later (an uncharged saved 500 normally closes after ~10 min: money-review-findings finding 3, same loop).
    // The wedge ends only when the SPT itself expires (the resend is then refused locally as token_unusable).
    const cancel = await t2.service.cancelSession(id, undefined, ctx());
    expect(s.succeededFor(id)).toHaveLength(0); // nothing was ever charged (the List API shows no PaymentIntent)
    // Actual: idempotency_error is classified retryable 'unknown', which clears serverError; without it
    // pendingChargePlan never closes, so the session stays complete_in_progress and cancel answers 409.
    expect({ status: (await t2.service.loadSession(id))?.status, cancel: cancel.status }).toEqual({
      status: 'canceled',
      cancel: 200,
    });
  });
});

describe('R2-2: the same wedge while the agent keeps retrying complete', () => {
  it('the attempt closes once proven uncharged and the retried complete pays once, under a new key', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false });
    const { id, total } = await readySession(t);
    const body = payWith(await s.token('pm_card_visa', total));
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    expect((await t.service.completeSession(id, body, ctx('wedge2'))).status).toBe(503);
    const g2 = createStripeGateway({
      stripe: s.stripe,
      now: () => clock.now().getTime(),
      description: (sid) => `Order for ${sid}`,
    });
    const t2 = createTestCheckout({ gateway: g2, clock, store: t.store, ids: createSequentialIds('v2') });
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(301_000);
      const r = await t2.service.completeSession(id, body, ctx('wedge2'));
      answers.push(r.status);
      if ((r.body as CheckoutSession).status === 'completed') break;
    }
    expect(answers.at(-1)).toBe(200);
    expect((await t2.service.loadSession(id))?.status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
    const attempts = await t.store.listPaymentAttempts(id);
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'succeeded']);
  });
});

describe('R2-3 (medium): a busy account makes the List window inconclusive forever', () => {
  it('more PaymentIntents in the send window than reconcileListLimit: an uncharged saved-500 attempt never closes', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false, gateway: { reconcileListLimit: 100 } });
    const { id, total } = await readySession(t);
    const body = payWith(await s.token('pm_card_visa', total));
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    expect((await t.service.completeSession(id, body, ctx('busy'))).status).toBe(503);
    // Other traffic on the account (other sessions, other integrations) in the same minutes. The default
    // limit is 2000 over a window of >= ~16 min (first send - 5 min .. last 5xx + lease + 5 min): ~2 PI/s.
    for (let i = 0; i < 101; i++) {
      await s.stripe.paymentIntents.create({
        amount: 500 + i,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
      });
    }
    // The agent gave up; the recovery timer resends (the saved 500), then proves: the List scan of the
    // window stops at the limit, and the next pass continues where it stopped (R2-3 fix).
    for (let i = 0; i < 4; i++) {
      clock.advance(301_000);
      await t.service.recoverPendingPayments();
    }
    // (Before the fix: still complete_in_progress two days later; nothing is resent in the proving phase, so
    // not even the SPT's expiry ended it. After it, the attempt is closed within these passes and the session
    // is payable, so a wait of days would only let it expire: the cancel is asked now.)
    await t.service.recoverPendingPayments();
    expect(s.succeededFor(id)).toHaveLength(0);
    // Actual: every reconcile answers proof 'search' (incomplete scan), never closable: complete_in_progress
    // forever (it never expires) and cancel refused. The PaymentIntent, if any, was created by the FIRST
    // execution under the key (before serverError.firstAt), so the window could end there.
    const cancel = await t.service.cancelSession(id, undefined, ctx());
    expect({ status: (await t.service.loadSession(id))?.status, cancel: cancel.status }).toEqual({
      status: 'canceled',
      cancel: 200,
    });
  });
});

describe('R2-4 (low/medium): a refund webhook of our payment for a session that will never complete', () => {
  it('is answered 500 on every delivery (never acknowledged)', async () => {
    const { s, t } = await stack();
    const { id, total } = await readySession(t);
    expect((await t.service.cancelSession(id, undefined, ctx())).status).toBe(200);
    // A payment of ours that is no order: what finalizeCharge reports as `unmatched_payment` ("refund it at the
    // PSP") when a charge succeeds after its attempt was closed and the session has no order. The operator
    // refunds it, as told.
    const pi = await s.stripe.paymentIntents.create({
      amount: total,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      confirm: true,
      metadata: { acp_checkout_session_id: id, acp_kind: 'spt_charge' },
    });
    await s.stripe.refunds.create({ payment_intent: pi.id });
    await s.emulator.webhooks.idle();
    const refundDeliveries = s.emulator.webhooks.deliveries.filter((d) => /refund/.test(d.eventType));
    expect(refundDeliveries.length).toBeGreaterThan(0);
    // Actual: handlePaymentEvent throws payment_in_progress for any session not `completed` (canceled and
    // expired included), so Stripe redelivers for 3 days and may disable the endpoint.
    const byEvent = new Map<string, number[]>();
    for (const d of refundDeliveries) byEvent.set(d.eventId, [...(byEvent.get(d.eventId) ?? []), d.status]);
    for (const statuses of byEvent.values()) expect(statuses.some((x) => x >= 200 && x < 300)).toBe(true);
  });
});
