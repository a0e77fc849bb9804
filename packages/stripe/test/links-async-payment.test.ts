// Hosted links paid with an asynchronous method (ACH/SEPA debit, bank transfer…). Such a Checkout Session is
// `complete` with `payment_status: 'unpaid'` until the money settles; then Stripe sends
// checkout.session.async_payment_succeeded, or async_payment_failed and the PaymentIntent goes back to
// `requires_payment_method` (the session stays complete + unpaid for good)
// (https://docs.stripe.com/payments/checkout/how-checkout-works#complete). A complete session cannot be expired.
// So a cancel must wait while the payment is processing (or the later success would turn a "canceled" session
// into an order), and must go through once the payment failed (or the session could never be closed). The
// emulator cannot put a Checkout Session in these states (its hosted page pays synchronously), so a stripe-node
// double stands in for Stripe. Found by the engine v2 reviews (2: processing; 3: failed).
import type { CheckoutSession } from '@acp/core';
import { createSystemClock, createTestCheckout } from '@acp/core/testing';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeGateway } from '../src/index.js';

const LINK_ID = 'cs_test_async_1';

/**
 * Stripe with one Checkout Session: `open` when created, `complete` + unpaid once the buyer submitted a bank
 * debit, its PaymentIntent `processing` (money moving) or `requires_payment_method` (the debit failed).
 */
function asyncPaymentStripe(paymentIntent: 'processing' | 'requires_payment_method') {
  const calls: string[] = [];
  let expiresAt = 0;
  let amount = 0;
  let submitted = false;
  const session = (): Stripe.Checkout.Session =>
    ({
      id: LINK_ID,
      object: 'checkout.session',
      status: submitted ? 'complete' : 'open',
      payment_status: 'unpaid',
      payment_intent: 'pi_async_1',
      amount_total: amount,
      currency: 'usd',
      expires_at: expiresAt,
      url: `https://checkout.example/${LINK_ID}`,
      metadata: {},
    }) as unknown as Stripe.Checkout.Session;
  const stripe = {
    paymentIntents: {
      async retrieve(id: string) {
        calls.push('pi.retrieve');
        return { id, object: 'payment_intent', status: paymentIntent, amount, currency: 'usd', metadata: {} };
      },
    },
    checkout: {
      sessions: {
        async create(params: Stripe.Checkout.SessionCreateParams) {
          calls.push('create');
          expiresAt = params.expires_at ?? 0;
          amount = (params.line_items ?? []).reduce(
            (a, l) => a + (l.price_data?.unit_amount ?? 0) * (l.quantity ?? 1),
            0,
          );
          return session();
        },
        async retrieve() {
          calls.push('retrieve');
          return session();
        },
        async expire() {
          calls.push('expire');
          // What Stripe answers for a session that is not open (https://docs.stripe.com/api/checkout/sessions/expire).
          throw new Stripe.errors.StripeInvalidRequestError({
            type: 'invalid_request_error',
            message: 'Only Checkout Sessions with a status in ["open"] can be expired.',
          });
        },
      },
    },
  } as unknown as Stripe;
  return {
    stripe,
    calls,
    /** The buyer submits the hosted page with a bank debit. */
    submit: () => {
      submitted = true;
    },
  };
}

/** A session with an open hosted link on `stripe`. */
async function linkedSession(stripe: Stripe) {
  const gateway = createStripeGateway({ stripe, paymentLinks: { successUrl: 'https://shop.example/ok' } });
  const t = createTestCheckout({ gateway, clock: createSystemClock() });
  const ctx = (key: string) => ({ caller: 'agent_review', apiVersion: '2026-04-17', idempotencyKey: key });
  const created = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      buyer: { email: 'ada@example.com' },
      capabilities: { interventions: { supported: [] } },
    },
    ctx('create'),
  );
  const session = created.body as CheckoutSession;
  expect(session.status).toBe('ready_for_payment');
  expect((await t.service.createPaymentLink(session.id, { caller: 'agent_review' })).status).toBe(200);
  expect((await t.service.loadSession(session.id))?.status).toBe('in_progress');
  return { t, gateway, session, ctx };
}

describe('closing a hosted link whose asynchronous payment is processing', () => {
  it('expirePaymentLink never answers "expired" for a complete Checkout Session whose payment is pending', async () => {
    const { stripe, calls, submit } = asyncPaymentStripe('processing');
    submit();
    const gateway = createStripeGateway({ stripe, paymentLinks: { successUrl: 'https://shop.example/ok' } });
    const closed = await gateway.expirePaymentLink!(LINK_ID);
    expect(calls).toContain('retrieve');
    // The buyer's money is moving: the link cannot be closed ("retry"), and it certainly did not expire.
    expect(closed.status).not.toBe('expired');
  });

  it('a cancel while the hosted payment is processing is refused, so the async success never revives a canceled session', async () => {
    const { stripe, submit } = asyncPaymentStripe('processing');
    const { t, session, ctx } = await linkedSession(stripe);
    submit(); // the buyer submitted the hosted page with a bank debit; the agent then cancels
    const told = ((await t.service.cancelSession(session.id, {}, ctx('cancel'))).body as CheckoutSession)
      .status;
    // The bank debit settles: Stripe sends checkout.session.async_payment_succeeded.
    await t.service.handlePaymentEvent({
      type: 'payment_link.succeeded',
      sessionId: session.id,
      linkId: LINK_ID,
      paymentId: 'pi_async_1',
      amount: session.totals.find((x) => x.type === 'total')!.amount,
      currency: 'usd',
    });
    const final = (await t.service.loadSession(session.id))?.status;
    expect({ told, final }).not.toEqual({ told: 'canceled', final: 'completed' });
    expect(told).not.toBe('canceled');
  });
});

describe('closing a hosted link whose asynchronous payment failed (webhook missed)', () => {
  it('the session can still be canceled (it is not "settling": nothing is moving)', async () => {
    const { stripe, submit } = asyncPaymentStripe('requires_payment_method');
    const { t, session, ctx } = await linkedSession(stripe);
    submit(); // bank debit submitted, then failed; the async_payment_failed webhook is lost
    const answers: number[] = [];
    for (let i = 0; i < 3; i++)
      answers.push((await t.service.cancelSession(session.id, {}, ctx(`cancel${i}`))).status);
    const final = (await t.service.loadSession(session.id))?.status;
    expect({ answers, final }).toMatchObject({ final: 'canceled' });
  });
});
