// The webhook handler on its own: signature checks on the raw body and the event translation table.
import type { PaymentEvent } from '@acp/core';
import { signWebhookPayload, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeWebhookHandler } from '../src/index.js';

const stripe = new Stripe('sk_test_webhooks', {
  host: '127.0.0.1',
  port: 9,
  protocol: 'http',
  maxNetworkRetries: 0,
});
const SECRET = 'whsec_unit';
const now = () => Math.floor(Date.now() / 1000);

function handler(secret: string | string[] = SECRET) {
  const seen: PaymentEvent[] = [];
  const handle = createStripeWebhookHandler({
    stripe,
    webhookSecret: secret,
    onEvent: (e) => void seen.push(e),
  });
  return { handle, seen };
}

const event = (type: string, object: Record<string, unknown>) =>
  JSON.stringify({
    id: `evt_${type}`,
    object: 'event',
    type,
    created: now(),
    data: { object },
    livemode: false,
    api_version: '2026-10-28.endive',
  });

const session = {
  id: 'cs_test_1',
  object: 'checkout.session',
  mode: 'payment',
  status: 'complete',
  payment_status: 'paid',
  client_reference_id: 'cs_acp_1',
  metadata: { acp_checkout_session_id: 'cs_acp_1', acp_kind: 'payment_link' },
  payment_intent: 'pi_1',
  amount_total: 2174,
  currency: 'usd',
};

describe('signature verification on the raw body', () => {
  it('missing, wrong secret, tampered body or stale timestamp → 400 and nothing applied', async () => {
    const { handle, seen } = handler();
    const body = event('checkout.session.completed', session);
    expect((await handle(body, undefined)).status).toBe(400);
    expect((await handle(body, signWebhookPayload(body, 'whsec_other', now()))).status).toBe(400);
    expect((await handle(`${body} `, signWebhookPayload(body, SECRET, now()))).status).toBe(400);
    expect((await handle(body, signWebhookPayload(body, SECRET, now() - 3600))).status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('accepts string or bytes, and any of several secrets (rotation)', async () => {
    const { handle, seen } = handler(['whsec_old', SECRET]);
    const body = event('checkout.session.completed', session);
    const r = await handle(new TextEncoder().encode(body), signWebhookPayload(body, SECRET, now()));
    expect(r).toEqual({ status: 200, body: { received: true, events: 1 } });
    expect(seen).toEqual([
      {
        type: 'payment_link.succeeded',
        sessionId: 'cs_acp_1',
        linkId: 'cs_test_1',
        paymentId: 'pi_1',
        amount: 2174,
        currency: 'usd',
      },
    ]);
  });
});

describe('translation', () => {
  const deliver = async (type: string, object: Record<string, unknown>) => {
    const { handle, seen } = handler();
    const body = event(type, object);
    const r = await handle(body, signWebhookPayload(body, SECRET, now()));
    return { r, seen };
  };

  it('a Checkout Session without our metadata is never ours, whatever its client_reference_id (review 2, R2-1)', async () => {
    const foreign = [
      { ...session, metadata: {} },
      { ...session, metadata: null },
      { ...session, metadata: { acp_checkout_session_id: 'cs_acp_1' } },
      { ...session, metadata: { acp_kind: 'payment_link' } },
      { ...session, metadata: { acp_checkout_session_id: 'cs_acp_1', acp_kind: 'spt_charge' } },
    ];
    for (const object of foreign) {
      for (const type of [
        'checkout.session.completed',
        'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed',
        'checkout.session.expired',
      ]) {
        const { r, seen } = await deliver(type, object);
        expect(seen).toEqual([]);
        expect(r).toEqual({ status: 200, body: { received: true, ignored: true } });
      }
    }
  });

  it('async_payment_succeeded also completes; an unpaid completion is ignored', async () => {
    expect((await deliver('checkout.session.async_payment_succeeded', session)).seen[0]?.type).toBe(
      'payment_link.succeeded',
    );
    const unpaid = await deliver('checkout.session.completed', { ...session, payment_status: 'unpaid' });
    expect(unpaid.seen).toEqual([]);
    expect(unpaid.r.body).toMatchObject({ ignored: true });
  });

  it('expired → payment_link.expired; refund.* → refund.updated; foreign events are ignored', async () => {
    expect(
      (await deliver('checkout.session.expired', { ...session, status: 'expired', payment_status: 'unpaid' }))
        .seen,
    ).toEqual([{ type: 'payment_link.expired', sessionId: 'cs_acp_1', linkId: 'cs_test_1' }]);
    // A refund carries its PaymentIntent's checkout session (read from Stripe: refunds do not carry the
    // PaymentIntent's metadata), so core can tell one of its payments from a foreign one.
    const emulator = await startStripeEmulator();
    try {
      const real = new Stripe('sk_test_webhooks', { ...emulator.stripeConfig, maxNetworkRetries: 0 });
      const ours = await real.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        metadata: { acp_checkout_session_id: 'cs_acp_1' },
      });
      const seen: PaymentEvent[] = [];
      const handle = createStripeWebhookHandler({
        stripe: real,
        webhookSecret: SECRET,
        onEvent: (e) => void seen.push(e),
      });
      for (const pi of [ours.id, 'pi_not_ours']) {
        const body = event('refund.updated', {
          id: `re_${pi}`,
          object: 'refund',
          payment_intent: pi,
          amount: 500,
          currency: 'usd',
          status: 'succeeded',
          reason: null,
        });
        expect((await handle(body, signWebhookPayload(body, SECRET, now()))).status).toBe(200);
      }
      expect(seen).toEqual([
        {
          type: 'refund.updated',
          paymentId: ours.id,
          sessionId: 'cs_acp_1',
          refundId: `re_${ours.id}`,
          amount: 500,
          currency: 'usd',
          status: 'succeeded',
        },
        {
          type: 'refund.updated',
          paymentId: 'pi_not_ours',
          refundId: 're_pi_not_ours',
          amount: 500,
          currency: 'usd',
          status: 'succeeded',
        },
      ]);
    } finally {
      await emulator.close();
    }
    expect((await deliver('customer.created', { id: 'cus_1' })).r).toEqual({
      status: 200,
      body: { received: true, ignored: true },
    });
    const direct = await deliver('payment_intent.payment_failed', {
      id: 'pi_2',
      object: 'payment_intent',
      metadata: { acp_kind: 'spt_charge' },
    });
    expect(direct.seen).toEqual([]);
  });

  it('onEvent failures answer 500 so that Stripe redelivers', async () => {
    const handle = createStripeWebhookHandler({
      stripe,
      webhookSecret: SECRET,
      onEvent: () => {
        throw new Error('store down');
      },
    });
    const body = event('checkout.session.completed', session);
    expect((await handle(body, signWebhookPayload(body, SECRET, now()))).status).toBe(500);
  });
});
