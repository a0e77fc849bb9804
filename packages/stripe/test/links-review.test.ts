// Review (v2-core, review-2): a cancel closes the open payment link through `expirePaymentLink`. A Checkout
// Session whose buyer paid with an asynchronous method (ACH/SEPA debit, bank transfer…) is `complete` with
// `payment_status: 'unpaid'` until the money settles, then `checkout.session.async_payment_succeeded` comes
// (https://docs.stripe.com/payments/checkout/fulfill-orders#delayed-notification; webhooks.ts translates that
// event, so such payments are expected). Stripe refuses to expire a session that is not `open`; the gateway
// then reads it again, sees "not paid" and answers `expired`: core cancels the checkout session while the
// payment is moving, and the later async success turns the canceled session into an order (the agent was
// told "canceled", the buyer is charged). Defect on ed0b1da and on v2-core alike: these tests fail on both.
// The emulator cannot put a Checkout Session in that state (its hosted page pays synchronously), so a
// stripe-node double stands in for Stripe here.
import type { CheckoutSession } from '@acp/core';
import { createSystemClock, createTestCheckout } from '@acp/core/testing';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeGateway } from '../src/index.js';

/** A Checkout Session the buyer completed with an async method: complete, not paid yet, PaymentIntent processing. */
function asyncPaidStripe() {
  const calls: string[] = [];
  let linkId = 'cs_test_async_1';
  let expiresAt = 0;
  let amount = 0;
  const session = (): Stripe.Checkout.Session =>
    ({
      id: linkId,
      object: 'checkout.session',
      status: 'complete',
      payment_status: 'unpaid',
      payment_intent: 'pi_async_1',
      amount_total: amount,
      currency: 'usd',
      expires_at: expiresAt,
      url: null,
      metadata: {},
    }) as unknown as Stripe.Checkout.Session;
  const stripe = {
    // The asynchronous payment (bank debit) is still moving: Stripe shows its PaymentIntent as `processing`.
    paymentIntents: {
      async retrieve(id: string) {
        calls.push('pi.retrieve');
        return { id, object: 'payment_intent', status: 'processing' };
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
          linkId = 'cs_test_async_1';
          return { ...session(), status: 'open', url: `https://checkout.example/${linkId}` };
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
  return { stripe, calls };
}

describe('review-2 L1 (medium, ed0b1da and v2-core): closing a link whose async payment is processing', () => {
  it('expirePaymentLink never answers "expired" for a complete Checkout Session whose payment is pending', async () => {
    const { stripe, calls } = asyncPaidStripe();
    const gateway = createStripeGateway({ stripe, paymentLinks: { successUrl: 'https://shop.example/ok' } });
    const closed = await gateway.expirePaymentLink!('cs_test_async_1');
    expect(calls).toContain('retrieve');
    // The buyer's money is moving: the link cannot be closed ("retry"), and it certainly did not expire.
    expect(closed.status).not.toBe('expired');
  });

  it('a cancel while the hosted payment is processing is refused, so the async success never revives a canceled session', async () => {
    const { stripe } = asyncPaidStripe();
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
    const link = await t.service.createPaymentLink(session.id, { caller: 'agent_review' });
    expect(link.status).toBe(200);
    expect((await t.service.loadSession(session.id))?.status).toBe('in_progress');

    // The buyer submitted the hosted page with a bank debit; the agent then cancels.
    const told = ((await t.service.cancelSession(session.id, {}, ctx('cancel'))).body as CheckoutSession)
      .status;
    // The bank debit settles: Stripe sends checkout.session.async_payment_succeeded.
    await t.service.handlePaymentEvent({
      type: 'payment_link.succeeded',
      sessionId: session.id,
      linkId: 'cs_test_async_1',
      paymentId: 'pi_async_1',
      amount: session.totals.find((x) => x.type === 'total')!.amount,
      currency: 'usd',
    });
    const final = (await t.service.loadSession(session.id))?.status;
    // On both versions: told "canceled", then charged and completed.
    expect({ told, final }).not.toEqual({ told: 'canceled', final: 'completed' });
    expect(told).not.toBe('canceled');
  });
});
