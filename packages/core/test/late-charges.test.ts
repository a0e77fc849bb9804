// Late charges and refunds made before their order (review 3, items 1 and 4; real engine, memory store/PSP):
// a refund acknowledged while no order could be found reaches the order once it is placed (the engine pulls
// the PSP's refunds of a new order's payment), and a late server-side charge never overrides the buyer's
// explicit cancel (it is refunded). A hosted link the buyer paid still wins.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/index.js';
import { type CheckoutSession, refundTotals } from '../src/index.js';
import { type createMemoryGateway, createTestCheckout } from '../src/testing/index.js';
import { ctx, hungLateCharge } from './helpers.js';

/** The PSP's own refund of a payment (the merchant's dashboard), and the `refund.updated` it sends. */
async function dashboardRefund(memory: ReturnType<typeof createMemoryGateway>, sessionId: string) {
  const payment = memory.succeededChargesFor(sessionId).at(-1)!;
  const r = await memory.refund!({
    orderId: 'dashboard',
    paymentId: payment.paymentId,
    currency: 'usd',
    reason: 'requested_by_customer',
    idempotencyKey: `dashboard_${payment.paymentId}`,
  });
  if (r.status === 'failed') throw new Error(r.message);
  return {
    payment,
    event: {
      type: 'refund.updated' as const,
      sessionId,
      paymentId: payment.paymentId,
      refundId: r.refundId,
      amount: r.amount,
      currency: 'usd',
      status: 'succeeded' as const,
    },
  };
}

describe('review3 item 4: a refund acknowledged while its order can still appear', () => {
  it('a refund of a late charge, acknowledged no_order on a payable session, is on the order the charge becomes', async () => {
    const { t, memory, id, hung, execute, answer } = await hungLateCharge();
    // Attempt closed on proof: the session is payable with nothing pending. The hung send executes at the PSP;
    // the merchant refunds it in the dashboard; the refund.updated webhook arrives before our process gets the
    // charge's answer.
    await t.service.recoverPendingPayments();
    expect((await t.store.getSession(id))?.state.status).toBe('ready_for_payment');
    execute();
    await new Promise((res) => setTimeout(res, 10));
    const { payment, event } = await dashboardRefund(memory, id);
    // orderMayAppear is kept narrow (no 3-day redelivery for every payable session): answered no_order...
    expect(await t.service.handlePaymentEvent(event)).toEqual({ applied: false, reason: 'no_order' });
    answer();
    const done = await hung;
    // ...the payable session takes the late charge as its order (the payment wins)...
    expect((done.body as CheckoutSession).status).toBe('completed');
    const order = (await t.service.getOrderBySession(id))!;
    expect(order.paymentId).toBe(payment.paymentId);
    // SAFE: ...and the order was given the PSP's refunds of its payment when it was placed: nothing ships.
    expect(refundTotals(order).refunded).toBe(payment.amount);
    expect(t.events.events.filter((e) => e.type === 'order_updated')).toHaveLength(1);
    // The webhook redelivered anyway (or a later one) changes nothing: one ledger entry per refund.
    expect(await t.service.handlePaymentEvent(event)).toEqual({ applied: false, reason: 'duplicate' });
  });

  it('a refund of a hosted-link payment made before the link payment reaches a canceled session is on its order', async () => {
    const t = createTestCheckout();
    const r = await t.service.createSession(
      {
        line_items: [{ id: 'ebook_mcp' }],
        currency: 'usd',
        capabilities: {},
        buyer: { email: 'ada@example.com' },
      },
      ctx(),
    );
    const id = (r.body as CheckoutSession).id;
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const linkId = link.url.split('/').pop()!;
    // The link is closed at our side only (its expiry event), then the buyer cancels; the PSP page was still
    // payable and the buyer paid it; the merchant refunds it before its webhook is applied.
    await t.service.handlePaymentEvent({ type: 'payment_link.expired', sessionId: id, linkId });
    expect((await t.service.cancelSession(id, undefined, ctx())).status).toBe(200);
    const paid = t.gateway.payLink(linkId);
    const { payment, event } = await dashboardRefund(t.gateway, id);
    expect(await t.service.handlePaymentEvent(event)).toEqual({ applied: false, reason: 'no_order' });
    // The buyer actively paid the hosted link: the payment wins over the cancel (unchanged)...
    await t.service.handlePaymentEvent(paid);
    const order = (await t.service.getOrderBySession(id))!;
    expect(order.paymentId).toBe(payment.paymentId);
    // ...and its order carries the refund made before it existed.
    expect(refundTotals(order).refunded).toBe(payment.amount);
  });
});

describe('review3 item 1: a late charge becomes the order of a session the buyer canceled', () => {
  it('the buyer canceled after the attempt was closed; the late charge must be refunded, not shipped', async () => {
    const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = {
      warn: (message, fields) => void lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
      error: (message, fields) => void lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
    };
    const { t, memory, id, hung, execute, answer } = await hungLateCharge({ logger });
    expect((await t.service.cancelSession(id, undefined, ctx())).status).toBe(200);
    execute();
    answer();
    await hung;
    // SAFE: an explicit cancel by the buyer after we told them the charge did not go through is not overridden.
    expect((await t.store.getSession(id))?.state.status).toBe('canceled');
    expect(await t.service.getOrderBySession(id)).toBeNull();
    expect(memory.succeededChargesFor(id)).toHaveLength(1);
    // Refunded in full, once (per-payment key), as the buyer's request; reported and logged.
    const payment = memory.succeededChargesFor(id)[0]!;
    const refunds = await memory.listRefunds!(payment.paymentId);
    expect(refunds).toMatchObject([
      { amount: payment.amount, status: 'succeeded', reason: 'requested_by_customer' },
    ]);
    expect(t.events.events.filter((e) => e.type === 'payment_refunded_unmatched')).toMatchObject([
      {
        reason: 'canceled',
        payment: { sessionId: id, paymentId: payment.paymentId, amount: payment.amount },
        refund: { refundId: refunds[0]!.refundId, status: 'succeeded' },
      },
    ]);
    expect(t.events.events.filter((e) => e.type === 'order_created')).toEqual([]);
    expect(lines.some((l) => l.level === 'error' && l.fields?.paymentId === payment.paymentId)).toBe(true);
  });
});
