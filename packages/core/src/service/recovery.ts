// Recovery: what brings money to a final state when nobody asks (a crash, a lost answer, a webhook that never
// comes): pending charges resumed, open links checked at the PSP, refunds of a new order's payment pulled,
// overdue sessions expired. Reads share one background recovery per session, bounded by the read budget.
import type { OrderRecord, SessionState } from '../domain.js';
import { CHECKOUT_STATUSES, STATUS_RULES } from '../status.js';
import type { Links } from './links.js';
import type { Payments } from './payments.js';
import { describeCause } from './results.js';
import type { Shell } from './shell.js';

/** Statuses a session leaves at its `expires_at` (from the status table). */
const EXPIRING = CHECKOUT_STATUSES.filter((s) => STATUS_RULES[s].expires);

export function createRecovery(shell: Shell, payments: Payments, links: Links) {
  const { store, gateway, config, clock, logger } = shell;

  /** One background recovery per session per process; reads share it. */
  const recoveries = new Map<string, Promise<void>>();
  /** When this process last asked the PSP about a session's open link (clock ms), bounded in size. */
  const linkChecks = new Map<string, number>();

  /** When this process last asked the PSP about a session's link, or when the link opened if later. */
  function lastLinkCheck(id: string, openedAt: string): number {
    return Math.max(linkChecks.get(id) ?? 0, Date.parse(openedAt) || 0);
  }

  function markLinkCheck(id: string, now: number): void {
    linkChecks.delete(id);
    linkChecks.set(id, now);
    if (linkChecks.size > 10_000) linkChecks.delete(linkChecks.keys().next().value!);
  }

  /**
   * Whether a read of an `in_progress` session should ask the PSP about its link: not within the interval
   * after the link opened (webhooks normally arrive by then) nor after this process last asked.
   */
  function linkCheckDue(id: string, openedAt: string): boolean {
    const now = clock.now().getTime();
    if (now - lastLinkCheck(id, openedAt) < config.linkCheckIntervalSeconds * 1000) return false;
    markLinkCheck(id, now);
    return true;
  }

  /** Whether a read of this session should first try to recover its payment. */
  function readNeedsRecovery(state: SessionState): boolean {
    return (
      state.status === 'complete_in_progress' ||
      (state.status === 'in_progress' && linkCheckDue(state.id, state.updatedAt))
    );
  }

  /** Starts (or joins) the recovery of one session: a pending charge, or an open payment link. */
  function recoverSession(id: string): Promise<void> {
    let running = recoveries.get(id);
    if (!running) {
      running = (async () => {
        const stored = await store.getSession(id);
        if (!stored) return;
        if (stored.state.status === 'complete_in_progress') {
          await payments.resumePending(stored.state, stored.version, undefined);
        } else if (stored.state.status === 'in_progress') {
          await links.reconcileLink(stored.state);
        }
      })()
        .catch((e) => logger?.warn('background payment recovery failed', { cause: describeCause(e) }))
        .finally(() => recoveries.delete(id));
      recoveries.set(id, running);
    }
    return running;
  }

  /**
   * A new order's payment may have been refunded already: a refund made while no order existed yet (a charge
   * that succeeded late, a link paid on a canceled or expired session) has its `refund.updated` answered
   * `no_order` and never redelivered. So once an order is placed (any path) the PSP's refunds of its payment
   * are pulled (`listRefunds`) and applied through the webhook's upsert. Post-commit and best effort (waited
   * for at most `readRecoveryBudgetMs`, then it goes on in the background): a failure is logged at error level
   * for the operator (the order may then show less refunded than the PSP). Never throws.
   */
  async function pullRefunds(record: OrderRecord): Promise<void> {
    if (!gateway.listRefunds || !record.paymentId) return;
    try {
      const refunds = await gateway.listRefunds(record.paymentId);
      for (const r of refunds) {
        const applied = await shell.applyOrderRefund(record.order.id, r);
        if (applied?.changed) {
          logger?.error(
            "a new order's payment was refunded before the order existed: recorded on the order",
            {
              orderId: record.order.id,
              paymentId: record.paymentId,
              refundId: r.refundId,
              refundStatus: r.status,
            },
          );
        }
      }
    } catch (e) {
      logger?.error("could not read the refunds of a new order's payment; check the PSP for refunds", {
        orderId: record.order.id,
        paymentId: record.paymentId,
        cause: describeCause(e),
      });
    }
  }

  /** Resumes every payment attempt left pending by a crash or an outage. Call at start-up and periodically. */
  async function recoverPendingPayments(): Promise<{ resumed: number; stillPending: number }> {
    let resumed = 0;
    let stillPending = 0;
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({
        statuses: ['complete_in_progress'],
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const { state, version } of page.sessions) {
        const r = await payments.resumePending(state, version, undefined);
        if (r && (r.result.status < 400 || r.closed)) resumed++;
        else stillPending++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    // Open payment links whose webhooks may never arrive: ask the PSP (paid → order, expired → payable),
    // throttled like reads (not within linkCheckIntervalSeconds of the link opening or of this process's
    // last check) and at most linkChecksPerRecoveryPass per pass, least recently checked first.
    if (gateway.retrievePaymentLink) {
      const due: { state: SessionState; last: number }[] = [];
      const now = clock.now().getTime();
      cursor = undefined;
      do {
        const page = await store.listSessions({
          statuses: ['in_progress'],
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        for (const { state } of page.sessions) {
          const last = lastLinkCheck(state.id, state.updatedAt);
          if (now - last >= config.linkCheckIntervalSeconds * 1000) due.push({ state, last });
          else stillPending++;
        }
        cursor = page.nextCursor;
      } while (cursor);
      due.sort((a, b) => a.last - b.last);
      for (const [i, { state }] of due.entries()) {
        if (i >= config.linkChecksPerRecoveryPass) {
          stillPending++;
          continue;
        }
        markLinkCheck(state.id, now);
        const r = await links.reconcileLink(state);
        if (r === 'completed' || r === 'reopened') resumed++;
        else stillPending++;
      }
    }
    return { resumed, stillPending };
  }

  /** Expires overdue sessions and sweeps old idempotency records. */
  async function sweep(): Promise<{ expired: number; idempotencyRecordsRemoved: number }> {
    let expired = 0;
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({
        statuses: EXPIRING,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      for (const stored of page.sessions) {
        const after = await shell.expireDue(stored);
        if (after && after.state.status === 'expired' && stored.state.status !== 'expired') expired++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    const idempotencyRecordsRemoved = await store.idempotencySweep(clock.now().toISOString());
    return { expired, idempotencyRecordsRemoved };
  }

  return { readNeedsRecovery, recoverSession, pullRefunds, recoverPendingPayments, sweep };
}
