// End to end: the @acp/core engine (createTestCheckout) + this gateway + the real stripe-node client + the
// emulator over HTTP, including hosted payment links paid on the emulator's page and signed webhooks
// delivered to a local endpoint that runs the webhook handler.
import type { CheckoutSession, RequestContext } from '@acp/core';
import { createSystemClock, createTestCheckout, type TestCheckout } from '@acp/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeWebhookHandler, DECLINE_MESSAGES } from '../src/index.js';
import { payWith, readySessionOn } from './engine-stack.js';
import { postForm, requestContext, type Setup, setup, startWebhookServer } from './fixture.js';

const WHSEC = 'whsec_e2e_secret';
let s: Setup;
let t: TestCheckout;
let hook: { url: string; close(): Promise<void> };
let k = 0;
const ctx = (key?: string): RequestContext => requestContext('agent_e2e', key ?? `e2e_${++k}`);

beforeAll(async () => {
  s = await setup();
  t = createTestCheckout({ gateway: s.gateway, clock: createSystemClock() });
  const handler = createStripeWebhookHandler({
    stripe: s.stripe,
    webhookSecret: WHSEC,
    onEvent: (e) => t.service.handlePaymentEvent(e),
  });
  hook = await startWebhookServer(handler);
  s.emulator.addWebhookEndpoint({ url: hook.url, secret: WHSEC });
});
afterAll(async () => {
  await s.emulator.close();
  await hook.close();
});

const readySession = () => readySessionOn(t, ctx(), ['3ds']);

async function complete(id: string, token: string, extra: Record<string, unknown> = {}) {
  const r = await t.service.completeSession(id, payWith(token, extra), ctx());
  return r.body as CheckoutSession;
}

describe('SPT checkout through the engine', () => {
  it('create → complete with a test SPT → completed with one order and one Stripe charge', async () => {
    const { id, total } = await readySession();
    const token = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa', { amount: total, currency: 'usd' })
    ).shared_payment_token;
    const done = await complete(id, token);
    expect(done.status).toBe('completed');
    expect(done.order?.checkout_session_id).toBe(id);
    const [pi] = s.succeededFor(id);
    expect(pi?.amount).toBe(total);
    expect((await t.service.getOrderBySession(id))?.paymentId).toBe(pi?.id);
    expect(
      t.events.events.filter((e) => e.type === 'order_created' && e.order.sessionId === id),
    ).toHaveLength(1);
  });

  it('a decline leaves the session payable with a safe payment_declined message; a new token then pays', async () => {
    const { id, total } = await readySession();
    const bad = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa_chargeDeclinedInsufficientFunds', {
        amount: total,
        currency: 'usd',
      })
    ).shared_payment_token;
    const declined = await complete(id, bad);
    expect(declined.status).toBe('ready_for_payment');
    expect(declined.messages.find((m) => m.type === 'error')).toMatchObject({
      code: 'payment_declined',
      content: DECLINE_MESSAGES.insufficient_funds,
    });
    const stolen = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa_chargeDeclinedStolenCard', {
        amount: total,
        currency: 'usd',
      })
    ).shared_payment_token;
    const generic = await complete(id, stolen);
    expect(generic.messages.find((m) => m.type === 'error')).toMatchObject({
      content: DECLINE_MESSAGES.generic_decline,
    });
    const good = (await s.payments.tokenFromPaymentMethod('pm_card_visa', { amount: total, currency: 'usd' }))
      .shared_payment_token;
    expect((await complete(id, good)).status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
  });

  it('a token for less than the total is refused before any charge with a clear message', async () => {
    const { id, total } = await readySession();
    const small = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa', { amount: total - 1, currency: 'usd' })
    ).shared_payment_token;
    const r = await complete(id, small);
    expect(r.status).toBe('ready_for_payment');
    expect(r.messages.find((m) => m.type === 'error')?.content).toMatch(
      /maximum amount is lower than the checkout total/,
    );
    expect(s.emulator.paymentIntents({ metadata: { acp_checkout_session_id: id } })).toHaveLength(0);
  });

  it('3DS: authentication_required with metadata, then complete with authentication_result → order', async () => {
    const { id, total } = await readySession();
    const token = (
      await s.payments.tokenFromPaymentMethod('pm_card_threeDSecure2Required', {
        amount: total,
        currency: 'usd',
      })
    ).shared_payment_token;
    const auth = await complete(id, token);
    expect(auth.status).toBe('authentication_required');
    expect(auth.authentication_metadata).toMatchObject({
      directory_server: 'visa',
      acquirer_details: { merchant_name: 'Test Shop' },
    });
    const done = await complete(id, token, {
      authentication_result: {
        outcome: 'authenticated',
        outcome_details: {
          three_ds_cryptogram: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
          electronic_commerce_indicator: '05',
          transaction_id: 'tx_e2e',
          version: '2.2.0',
        },
      },
    });
    expect(done.status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
  });
});

describe('hosted payment link + webhooks', () => {
  const eventsFor = (type: string, csId: string) =>
    s.emulator.events(type).filter((e) => (e.data.object as { id?: string }).id === csId);

  it('paid on the hosted page → webhook → completed with exactly one order, despite duplicates and reordering', async () => {
    const { id, total } = await readySession();
    const link = await t.service.createPaymentLink(id, { caller: 'agent_e2e' });
    expect(link.status).toBe(200);
    const { url } = link.body as { url: string };
    const cs = (await s.stripe.checkout.sessions.retrieve(url.split('/').pop()!)) as {
      id: string;
      amount_total: number | null;
      client_reference_id: string | null;
    };
    expect([cs.amount_total, cs.client_reference_id]).toEqual([total, id]);
    // The same session asks again: the same link.
    expect((await t.service.createPaymentLink(id, { caller: 'agent_e2e' })).body).toMatchObject({ url });

    s.emulator.webhooks.pause();
    const paid = await postForm(url, { action: 'pay', payment_method: 'pm_card_visa' });
    expect(paid.status).toBe(303);
    expect((await t.service.loadSession(id))?.status).toBe('in_progress');
    // Out of order (newest first), then every event again.
    s.emulator.webhooks.flush('reverse');
    s.emulator.webhooks.resume();
    await s.emulator.webhooks.idle();
    const completed = eventsFor('checkout.session.completed', cs.id);
    expect(completed).toHaveLength(1);
    s.emulator.webhooks.redeliver(completed[0]!.id);
    s.emulator.webhooks.redeliver(completed[0]!.id);
    await s.emulator.webhooks.idle();
    const after = await t.service.loadSession(id);
    expect(after?.status).toBe('completed');
    expect(
      t.events.events.filter((e) => e.type === 'order_created' && e.order.sessionId === id),
    ).toHaveLength(1);
    const order = await t.service.getOrderBySession(id);
    expect(order?.paymentId).toBe(s.succeededFor(id)[0]?.id);
    expect(s.succeededFor(id)).toHaveLength(1);
  });

  it('an expired link returns the session to payable; a stale expiry after the next link is paid is harmless', async () => {
    const { id } = await readySession();
    const first = (await t.service.createPaymentLink(id, { caller: 'agent_e2e' })).body as { url: string };
    const firstId = first.url.split('/').pop()!;
    await s.stripe.checkout.sessions.expire(firstId);
    await s.emulator.webhooks.idle();
    expect((await t.service.loadSession(id))?.status).toBe('ready_for_payment');
    const second = (await t.service.createPaymentLink(id, { caller: 'agent_e2e' })).body as { url: string };
    expect(second.url).not.toBe(first.url);
    expect((await postForm(second.url, { action: 'pay', payment_method: 'pm_card_amex' })).status).toBe(303);
    await s.emulator.webhooks.idle();
    s.emulator.webhooks.redeliver(eventsFor('checkout.session.expired', firstId)[0]!.id);
    await s.emulator.webhooks.idle();
    expect((await t.service.loadSession(id))?.status).toBe('completed');
    expect(
      t.events.events.filter((e) => e.type === 'order_created' && e.order.sessionId === id),
    ).toHaveLength(1);
  });

  it('a declined card on the hosted page keeps the link open: the buyer tries another card and pays', async () => {
    const { id } = await readySession();
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_e2e' })).body as { url: string };
    expect(
      (await postForm(link.url, { action: 'pay', payment_method: 'pm_card_visa_chargeDeclined' })).status,
    ).toBe(402);
    await s.emulator.webhooks.idle();
    // As on Stripe Checkout: the Checkout Session stays open and the ACP session keeps waiting for it.
    expect((await s.stripe.checkout.sessions.retrieve(link.url.split('/').pop()!)).status).toBe('open');
    expect((await t.service.loadSession(id))?.status).toBe('in_progress');
    expect((await postForm(link.url, { action: 'pay', payment_method: 'pm_card_visa' })).status).toBe(303);
    await s.emulator.webhooks.idle();
    expect((await t.service.loadSession(id))?.status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
    expect(
      t.events.events.filter((e) => e.type === 'order_created' && e.order.sessionId === id),
    ).toHaveLength(1);
  });

  it('canceling the ACP session expires its open link', async () => {
    const { id } = await readySession();
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_e2e' })).body as { url: string };
    const canceled = await t.service.cancelSession(id, {}, ctx());
    expect((canceled.body as CheckoutSession).status).toBe('canceled');
    expect((await s.stripe.checkout.sessions.retrieve(link.url.split('/').pop()!)).status).toBe('expired');
  });
});

describe('refunds', () => {
  it('partial then full refund → order adjustments and amount_refunded; webhooks add no duplicates', async () => {
    const { id, total } = await readySession();
    const token = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa', { amount: total, currency: 'usd' })
    ).shared_payment_token;
    const done = await complete(id, token);
    const orderId = done.order!.id;
    const part = await t.service.refundOrder(orderId, {
      amount: 500,
      reason: 'requested_by_customer',
      idempotencyKey: 'refund-1',
    });
    expect(part.status).toBe(200);
    const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'refund-2' });
    expect(rest.status).toBe(200);
    await s.emulator.webhooks.idle();
    const order = (await t.service.getOrder(orderId))!;
    const refunds = order.order.adjustments?.filter((a) => a.type === 'refund') ?? [];
    expect(refunds.map((a) => [a.amount, a.status])).toEqual([
      [500, 'completed'],
      [total - 500, 'completed'],
    ]);
    const wire = rest.body as { totals?: { type: string; amount: number }[] };
    expect(wire.totals?.find((x) => x.type === 'amount_refunded')?.amount).toBe(total);
    const charge = await s.stripe.charges.retrieve(String(s.succeededFor(id)[0]?.latest_charge));
    expect(charge.amount_refunded).toBe(total);
  });

  it('a refund made in Stripe directly reaches the order through charge.refunded', async () => {
    const { id, total } = await readySession();
    const token = (
      await s.payments.tokenFromPaymentMethod('pm_card_visa', { amount: total, currency: 'usd' })
    ).shared_payment_token;
    const done = await complete(id, token);
    const pi = s.succeededFor(id)[0]!;
    const refund = await s.stripe.refunds.create({ payment_intent: String(pi.id), amount: 300 });
    await s.emulator.webhooks.idle();
    const order = (await t.service.getOrder(done.order!.id))!;
    expect(order.order.adjustments).toEqual([
      expect.objectContaining({ id: `adj_${refund.id}`, amount: 300, type: 'refund', status: 'completed' }),
    ]);
  });
});
