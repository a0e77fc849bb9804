// Review 3 (v2-core a6528fe, fcfa953 "complete-but-unpaid Checkout Session is not closable"): a Checkout
// Session stays `complete` + `payment_status: 'unpaid'` FOREVER when its asynchronous payment FAILS (Stripe
// sends checkout.session.async_payment_failed; the session never changes again, its PaymentIntent goes back to
// `requires_payment_method`). The gateway now reads every complete-unpaid session as "still settling", so when
// that webhook was missed, a cancel is refused with "retry" on every try, and the `in_progress` session (which
// never expires) can neither be canceled nor reopened (retrievePaymentLink says `open` too). On ed0b1da the
// cancel went through. Passes on ed0b1da, fails on v2-core.
import type { CheckoutSession } from '@acp/core';
import { createSystemClock, createTestCheckout } from '@acp/core/testing';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeGateway } from '../src/index.js';

function asyncFailedStripe() {
  const linkId = 'cs_test_async_failed';
  let expiresAt = 0;
  let amount = 0;
  let opened = false;
  const session = (): Stripe.Checkout.Session =>
    ({
      id: linkId,
      object: 'checkout.session',
      // After the buyer submitted a bank debit: complete. After the debit failed: still complete, unpaid.
      status: opened ? 'complete' : 'open',
      payment_status: 'unpaid',
      payment_intent: 'pi_async_failed',
      amount_total: amount,
      currency: 'usd',
      expires_at: expiresAt,
      url: `https://checkout.example/${linkId}`,
      metadata: {},
    }) as unknown as Stripe.Checkout.Session;
  const stripe = {
    checkout: {
      sessions: {
        async create(params: Stripe.Checkout.SessionCreateParams) {
          expiresAt = params.expires_at ?? 0;
          amount = (params.line_items ?? []).reduce(
            (a, l) => a + (l.price_data?.unit_amount ?? 0) * (l.quantity ?? 1),
            0,
          );
          return session();
        },
        async retrieve() {
          return session();
        },
        async expire() {
          throw new Stripe.errors.StripeInvalidRequestError({
            type: 'invalid_request_error',
            message: 'Only Checkout Sessions with a status in ["open"] can be expired.',
          });
        },
      },
    },
    paymentIntents: {
      async retrieve(id: string) {
        // The failed debit: the PaymentIntent is back to requires_payment_method, nothing is moving.
        return {
          id,
          object: 'payment_intent',
          status: 'requires_payment_method',
          amount,
          currency: 'usd',
          metadata: {},
        };
      },
    },
  } as unknown as Stripe;
  return {
    stripe,
    submitAndFail: () => {
      opened = true;
    },
  };
}

describe('review-3 (medium, v2-core only): a hosted link whose async payment FAILED, webhook missed', () => {
  it('the session can still be canceled (it is not "settling": nothing is moving)', async () => {
    const { stripe, submitAndFail } = asyncFailedStripe();
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
    expect((await t.service.createPaymentLink(session.id, { caller: 'agent_review' })).status).toBe(200);
    submitAndFail(); // bank debit submitted on the hosted page, then failed; the async_payment_failed webhook is lost

    // However often the agent retries, the cancel is refused on v2-core ("still being processed").
    const answers: number[] = [];
    for (let i = 0; i < 3; i++)
      answers.push((await t.service.cancelSession(session.id, {}, ctx(`cancel${i}`))).status);
    const final = (await t.service.loadSession(session.id))?.status;
    expect({ answers, final }).toMatchObject({ final: 'canceled' });
  });
});
