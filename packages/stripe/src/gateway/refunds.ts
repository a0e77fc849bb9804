// Refunds of a PaymentIntent: create one (under core's key), and list them all for an order's ledger.
import type { PaymentRefund, RefundRequest, RefundResult } from '@acp/core';
import { refundFailure } from '../errors.js';
import { paymentRefundOf } from '../outcomes.js';
import type { GatewayContext } from './context.js';

export async function refund(ctx: GatewayContext, req: RefundRequest): Promise<RefundResult> {
  try {
    const r = await ctx.call(() =>
      ctx.stripe.refunds.create(
        {
          payment_intent: req.paymentId,
          ...(req.amount !== undefined ? { amount: req.amount } : {}),
          ...(req.reason ? { reason: req.reason } : {}),
          metadata: { acp_order_id: req.orderId },
        },
        { idempotencyKey: req.idempotencyKey },
      ),
    );
    const { refundId, status, amount, currency } = paymentRefundOf(r);
    if (status === 'failed' || status === 'canceled') {
      return { status: 'failed', message: 'The refund failed at the payment provider.', retryable: false };
    }
    return { status, refundId, amount, currency };
  } catch (e) {
    return refundFailure(e);
  }
}

/**
 * Every refund of a PaymentIntent (`GET /v1/refunds?payment_intent=`), read once an order is placed so a
 * refund made before the order existed reaches its ledger. Statuses as the webhook translates them
 * (`requires_action` is still pending). One page of 100: a payment refunded more often is not a real case.
 */
export async function listRefunds(ctx: GatewayContext, paymentId: string): Promise<PaymentRefund[]> {
  const page = await ctx.call(() => ctx.stripe.refunds.list({ payment_intent: paymentId, limit: 100 }));
  return page.data.map(paymentRefundOf);
}
