// Money regressions (issue 10) through the engine + this gateway + the real stripe-node client + the emulator
// over HTTP: refunds with Stripe's pending / failing refund test cards, a 500 saved under a charge's
// idempotency key (with and without a charge behind it), payment-link retries that must resend identical
// parameters, a paid link whose webhook never arrives, and reads that must not wait for a hanging PSP.
import type { CheckoutSession } from '@acp/core';
import { createManualClock } from '@acp/core/testing';
import { describe, expect, it } from 'vitest';
import { payWith, useEngineStack } from './engine-stack.js';
import { postForm } from './fixture.js';

const { ctx, stack, readySession } = useEngineStack('agent_money');
const amountRefunded = (body: unknown) =>
  (body as { totals?: { type: string; amount: number }[] }).totals?.find((x) => x.type === 'amount_refunded')
    ?.amount ?? 0;

describe('refunds with Stripe refund test cards (pm_card_pendingRefund, pm_card_refundFail)', () => {
  it('21.74: 5.00 pending → succeeded, then "the rest" refunds 16.74; amount_refunded 21.74', async () => {
    const { s, t } = await stack();
    const { id, total } = await readySession(t);
    expect(total).toBe(2174);
    const done = await t.service.completeSession(
      id,
      payWith(await s.token('pm_card_pendingRefund', total)),
      ctx(),
    );
    const orderId = (done.body as CheckoutSession).order!.id;
    const five = await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'five' });
    expect(five.status).toBe(200);
    await s.emulator.webhooks.idle();
    s.emulator.settleRefunds(); // pending → succeeded, refund.updated
    await s.emulator.webhooks.idle();
    const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'rest' });
    expect(rest.status).toBe(200);
    await s.emulator.webhooks.idle();
    s.emulator.settleRefunds();
    await s.emulator.webhooks.idle();
    const refunds = await s.stripe.refunds.list({ payment_intent: s.succeededFor(id)[0]!.id as string });
    expect(refunds.data.map((r) => r.amount).sort((a, b) => a - b)).toEqual([500, 1674]);
    const order = (await t.service.getOrder(orderId))!;
    expect(order.order.adjustments?.map((a) => [a.amount, a.status])).toEqual([
      [500, 'completed'],
      [1674, 'completed'],
    ]);
    const again = await t.service.refundOrder(orderId, { amount: 1, idempotencyKey: 'more' });
    expect(again.body).toMatchObject({ code: 'invalid', param: '$.amount' });
    const charge = await s.stripe.charges.retrieve(String(s.succeededFor(id)[0]?.latest_charge));
    expect(charge.amount_refunded).toBe(total);
  });

  it('a refund that succeeds and later fails (refund.failed) stops counting; the money can be refunded again', async () => {
    const { s, t } = await stack();
    const { id, total } = await readySession(t);
    const done = await t.service.completeSession(
      id,
      payWith(await s.token('pm_card_refundFail', total)),
      ctx(),
    );
    const orderId = (done.body as CheckoutSession).order!.id;
    const first = await t.service.refundOrder(orderId, { amount: 700, idempotencyKey: 'fail-1' });
    expect(amountRefunded(first.body)).toBe(700);
    s.emulator.settleRefunds(); // succeeded → failed: refund.failed + refund.updated
    await s.emulator.webhooks.idle();
    const order = (await t.service.getOrder(orderId))!;
    expect(order.order.adjustments?.map((a) => [a.amount, a.status])).toEqual([[700, 'failed']]);
    const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'fail-2' });
    expect(rest.status).toBe(200);
    expect((rest.body as { adjustments: { amount: number }[] }).adjustments.map((a) => a.amount)).toEqual([
      700, 2174,
    ]);
    expect(amountRefunded(rest.body)).toBe(total);
  });
});

describe('a 500 saved under the charge key (Stripe replays it for every retry)', () => {
  it('no charge behind it: the attempt is closed after the grace period and a new key charges once', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, searchLagMs: 60_000 });
    const { id, total } = await readySession(t);
    const body = payWith(await s.token('pm_card_visa', total));
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    expect((await t.service.completeSession(id, body, ctx('pay'))).status).toBe(503);
    clock.advance(1_000);
    // Resent under the same key: Stripe replays the 500.
    expect((await t.service.completeSession(id, body, ctx('pay'))).status).toBe(503);
    // Money may still be moving for all we know: cancel is refused.
    const early = await t.service.cancelSession(id, undefined, ctx());
    expect(early.body).toMatchObject({ code: 'payment_in_progress' });
    clock.advance(300_000);
    const paid = await t.service.completeSession(id, body, ctx('pay'));
    expect(paid.status).toBe(200);
    expect((paid.body as CheckoutSession).status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
    expect(s.succeededFor(id)[0]!.metadata).toMatchObject({ attempt: '2' });
    const first = s.emulator.requests.filter((r) => r.idempotencyKey === `acp_${id}_attempt_1`);
    expect(first.every((r) => r.status === 500)).toBe(true);
    expect(t.events.events.filter((e) => e.type === 'order_created')).toHaveLength(1);
  });

  it('cancel is allowed once reconcile proves no charge', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock });
    const { id, total } = await readySession(t);
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    const body = payWith(await s.token('pm_card_visa', total));
    expect((await t.service.completeSession(id, body, ctx())).status).toBe(503);
    clock.advance(301_000);
    expect((await t.service.cancelSession(id, undefined, ctx())).status).toBe(200);
    expect((await t.service.loadSession(id))?.status).toBe('canceled');
    expect(s.succeededFor(id)).toHaveLength(0);
  });

  it('the charge DID happen behind the 500 (and search lags): one charge, one order', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, searchLagMs: 60_000 });
    const { id, total } = await readySession(t);
    const body = payWith(await s.token('pm_card_visa', total));
    s.emulator.injectFaults({ kind: 'server_error_executed', method: 'POST', path: '/v1/payment_intents' });
    expect((await t.service.completeSession(id, body, ctx('pay-x'))).status).toBe(503);
    expect(s.succeededFor(id)).toHaveLength(1); // charged, but the answer is a saved 500
    clock.advance(1_000);
    // Search does not show the PaymentIntent for a minute, but the gateway also lists recent PaymentIntents
    // (the List API is read-after-write consistent): the retry finds the charge and completes at once.
    const done = await t.service.completeSession(id, body, ctx('pay-x'));
    expect((done.body as CheckoutSession).status).toBe('completed');
    expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 0, stillPending: 0 });
    expect(s.succeededFor(id)).toHaveLength(1);
    expect((await t.service.getOrderBySession(id))?.paymentId).toBe(s.succeededFor(id)[0]!.id);
    expect(t.events.events.filter((e) => e.type === 'order_created')).toHaveLength(1);
  });
});

describe('payment links', () => {
  it('a retry of a lost link create never sends other parameters under the same key', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock });
    const creates = () =>
      s.emulator.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    for (const wait of [28.5, 29.5]) {
      const { id } = await readySession(t);
      const before = creates().length;
      s.emulator.injectFaults(
        { kind: 'lost_response', method: 'POST', path: '/v1/checkout/sessions' },
        { kind: 'drop_connection', method: 'POST', path: '/v1/checkout/sessions' },
      );
      expect((await t.service.createPaymentLink(id, { caller: 'agent_money' })).status).toBe(503);
      // The link (60 min) has 31.5 / 30.5 min left: reused with its stored expiry, or replaced by a new attempt.
      clock.advance(wait * 60_000);
      const retried = await t.service.createPaymentLink(id, { caller: 'agent_money' });
      expect(retried.status, `after ${wait} min`).toBe(200);
      const mine = creates().slice(before);
      expect(mine.map((r) => r.status)).not.toContain(400); // no idempotency_error
      if (wait === 28.5) expect(mine.at(-1)?.replayed).toBe(true);
    }
  });

  it('the gateway sends the stored expiry unchanged, whatever the time of the retry', async () => {
    const clock = createManualClock(new Date());
    const { s } = await stack({ clock });
    const request = {
      sessionId: 'cs_expiry',
      attemptId: 'cs_expiry:1',
      idempotencyKey: 'acp_cs_expiry_attempt_1',
      amount: 1000,
      currency: 'usd',
      lines: [{ name: 'Thing', quantity: 1, unitAmount: 1000 }],
      tax: 0,
      expiresAt: new Date(clock.now().getTime() + 30.5 * 60_000).toISOString(),
      metadata: {},
    };
    const first = await s.gateway.createPaymentLink!(request);
    clock.advance(20_000);
    const again = await s.gateway.createPaymentLink!(request);
    expect(again).toEqual(first);
    expect(first).toMatchObject({
      status: 'created',
      expiresAt: new Date(Math.floor(Date.parse(request.expiresAt) / 1000) * 1000).toISOString(),
    });
  });

  it('a saved 500 on the link create: the next call uses a new attempt (new key) and gets a link', async () => {
    const { s, t } = await stack();
    const { id } = await readySession(t);
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/checkout/sessions' });
    expect((await t.service.createPaymentLink(id, { caller: 'agent_money' })).status).toBe(503);
    const next = await t.service.createPaymentLink(id, { caller: 'agent_money' });
    expect(next.status).toBe(200);
    const keys = s.emulator.requests
      .filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')
      .map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
  });

  it('paid on the hosted page, no webhook ever delivered: recovery and a later read place the order once', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false });
    const a = await readySession(t);
    const b = await readySession(t);
    for (const { id } of [a, b]) {
      const link = (await t.service.createPaymentLink(id, { caller: 'agent_money' })).body as { url: string };
      expect((await postForm(link.url, { action: 'pay', payment_method: 'pm_card_visa' })).status).toBe(303);
    }
    expect(s.emulator.webhooks.deliveries).toHaveLength(0);
    // Right after opening, recovery does not ask Stripe (throttled like reads: the webhook normally comes).
    expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 0, stillPending: 2 });
    clock.advance(11_000);
    // Session a: the recovery timer (or start-up) finds the paid Checkout Session.
    expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 2, stillPending: 0 });
    // Session b was completed by the same pass; a read shows it, and nothing happens twice.
    clock.advance(60_000);
    const got = (await t.service.getSession(b.id, ctx())).body as CheckoutSession;
    expect(got.status).toBe('completed');
    expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 0, stillPending: 0 });
    for (const { id } of [a, b]) {
      expect(s.succeededFor(id)).toHaveLength(1);
      expect((await t.service.getOrderBySession(id))?.paymentId).toBe(s.succeededFor(id)[0]!.id);
    }
    expect(t.events.events.filter((e) => e.type === 'order_created')).toHaveLength(2);
  });

  it('a read of an in_progress session asks Stripe (throttled) and completes a paid link without webhooks', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false });
    const { id } = await readySession(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_money' })).body as { url: string };
    const retrieves = () =>
      s.emulator.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/checkout/sessions/'))
        .length;
    // Right after opening, reads do not ask Stripe (the webhook normally arrives first).
    expect(((await t.service.getSession(id, ctx())).body as CheckoutSession).status).toBe('in_progress');
    expect(retrieves()).toBe(0);
    await postForm(link.url, { action: 'pay', payment_method: 'pm_card_visa' });
    clock.advance(11_000);
    expect(((await t.service.getSession(id, ctx())).body as CheckoutSession).status).toBe('completed');
    expect(retrieves()).toBe(1);
    expect(t.events.events.filter((e) => e.type === 'order_created')).toHaveLength(1);
  });

  it('an expired link found by recovery makes the session payable again', async () => {
    const clock = createManualClock(new Date());
    const { s, t } = await stack({ clock, webhooks: false });
    const { id } = await readySession(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_money' })).body as { url: string };
    await s.stripe.checkout.sessions.expire(link.url.split('/').pop()!);
    clock.advance(11_000); // past linkCheckIntervalSeconds after the link opened
    expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 1, stillPending: 0 });
    expect((await t.service.loadSession(id))?.status).toBe('ready_for_payment');
  });
});

describe('reads answer promptly when the PSP hangs', () => {
  it('GET of a session with a pending charge does not wait for a slow Stripe; recovery finishes later', async () => {
    const { s, t } = await stack({}, { readRecoveryBudgetMs: 50 });
    const { id, total } = await readySession(t);
    s.emulator.injectFaults({ kind: 'lost_response', method: 'POST', path: '/v1/payment_intents', times: 2 });
    expect(
      (await t.service.completeSession(id, payWith(await s.token('pm_card_visa', total)), ctx())).status,
    ).toBe(503);
    // The lookup (the List API: search lags writes) is slow.
    s.emulator.injectFaults({
      kind: 'latency',
      method: 'GET',
      path: /^\/v1\/payment_intents$/,
      ms: 3_000,
    });
    const answer = await Promise.race([
      t.service.getSession(id, ctx()),
      new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 2_000)),
    ]);
    expect(answer).not.toBe('timed out');
    expect((answer as { body: CheckoutSession }).body.status).toBe('complete_in_progress');
    // The background recovery completes the session once Stripe answers.
    for (let i = 0; i < 100 && (await t.store.getSession(id))?.state.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await t.store.getSession(id))?.state.status).toBe('completed');
    expect(s.succeededFor(id)).toHaveLength(1);
  });
});
