// The refund ledger of an order: ONE entry per PSP refund id holding that refund's latest status, kept as the
// order's wire `adjustments` (type `refund`, id `adj_<refundId>`). Every place that needs "how much is
// refunded" (the refund limit, the wire Order's `amount_refunded`, dashboards) uses `refundTotals`.
//
// Status changes are monotonic so that duplicated and reordered PSP events converge on the latest real state:
// pending (0) → completed (1) → failed (2). A late `pending` after `succeeded` is ignored; `succeeded` →
// `failed` is applied (Stripe: a refund can fail up to 30 days after it succeeded, stripe.md §3.4); `failed`
// and `canceled` are final (both are the wire status `failed`: no money went back).
import type { OrderRecord } from '../domain.js';
import type { Adjustment, Order } from '../spec/2026-04-17/schemas.generated.js';

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

/** A PSP fact about one refund (from the refund call's answer or a webhook). */
export interface RefundUpdate {
  refundId: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  reason?: string;
  /** When this status was observed (ISO 8601). */
  at: string;
}

const WIRE_STATUS: Record<RefundStatus, 'pending' | 'completed' | 'failed'> = {
  pending: 'pending',
  succeeded: 'completed',
  failed: 'failed',
  canceled: 'failed',
};
const RANK: Record<string, number> = { pending: 0, completed: 1, failed: 2 };
const rankOf = (status: string | undefined) => RANK[status ?? ''] ?? 0;

export const refundAdjustmentId = (refundId: string) => `adj_${refundId}`;

/**
 * The refund id an adjustment belongs to. Orders written before the ledger carried one adjustment per refund
 * *and status* (`adj_<refundId>_<status>`); those are folded into their refund here.
 */
function refundKeyOf(a: Adjustment): string {
  const id = a.id.startsWith('adj_') ? a.id.slice(4) : a.id;
  return id.replace(/_(pending|completed|failed)$/, '');
}

/** The ledger: the latest adjustment per refund, in first-seen order. */
export function refundLedger(order: Pick<Order, 'adjustments'>): Adjustment[] {
  const latest = new Map<string, Adjustment>();
  for (const a of order.adjustments ?? []) {
    if (a.type !== 'refund') continue;
    const key = refundKeyOf(a);
    const seen = latest.get(key);
    if (!seen || rankOf(a.status) > rankOf(seen.status)) latest.set(key, a);
  }
  return [...latest.values()];
}

export interface RefundTotals {
  /** Money given back (succeeded refunds). This is the wire `amount_refunded`. */
  refunded: number;
  /** Refunds the PSP accepted but has not settled; they may still succeed or fail. */
  pending: number;
  /**
   * What a new refund may still take: captured − refunded − pending. Pending refunds RESERVE their amount
   * (the PSP counts them against the charge too: Stripe's `amount_refunded` includes pending refunds), so a
   * refund of "the rest" while another is pending asks only for what is really left. Failed refunds release.
   */
  refundable: number;
}

/** The one computation of refunded amounts for an order record. */
export function refundTotals(record: Pick<OrderRecord, 'amount' | 'order'>): RefundTotals {
  let refunded = 0;
  let pending = 0;
  for (const a of refundLedger(record.order)) {
    if (a.status === 'completed') refunded += a.amount ?? 0;
    else if (a.status === 'pending') pending += a.amount ?? 0;
  }
  return { refunded, pending, refundable: Math.max(0, record.amount - refunded - pending) };
}

/**
 * Applies a refund fact to an order record (pure; stores call it inside their transaction). Returns the new
 * record and whether anything changed (a duplicate or a stale status changes nothing).
 */
export function applyRefundUpdate(
  record: OrderRecord,
  update: RefundUpdate,
  now: string,
): { record: OrderRecord; changed: boolean } {
  const adjustments = record.order.adjustments ?? [];
  const key = update.refundId;
  const mine = adjustments.filter((a) => a.type === 'refund' && refundKeyOf(a) === key);
  const wireStatus = WIRE_STATUS[update.status];
  const current = mine.reduce((r, a) => Math.max(r, rankOf(a.status)), -1);
  if (mine.length > 0 && rankOf(wireStatus) <= current) {
    // Same or older status: nothing to do, unless legacy per-status entries can be folded into one.
    if (mine.length === 1 && mine[0]!.id === refundAdjustmentId(key)) return { record, changed: false };
  }
  const best = mine.reduce<Adjustment | undefined>(
    (b, a) => (!b || rankOf(a.status) > rankOf(b.status) ? a : b),
    undefined,
  );
  const reason = update.reason ?? best?.reason;
  const next: Adjustment =
    best && rankOf(best.status) >= rankOf(wireStatus)
      ? { ...best, id: refundAdjustmentId(key) }
      : {
          id: refundAdjustmentId(key),
          type: 'refund',
          occurred_at: update.at,
          status: wireStatus,
          amount: update.amount,
          currency: update.currency.toLowerCase(),
          ...(reason ? { reason } : {}),
        };
  // Keep the ledger in first-seen order: the entry replaces the refund's first adjustment.
  const out: Adjustment[] = [];
  let placed = false;
  for (const a of adjustments) {
    if (a.type === 'refund' && refundKeyOf(a) === key) {
      if (!placed) out.push(next);
      placed = true;
    } else out.push(a);
  }
  if (!placed) out.push(next);
  return {
    record: { ...record, order: { ...record.order, adjustments: out }, updatedAt: now },
    changed: true,
  };
}
