// `reconcile(attempt, window)`: the outcome of a charge whose answer was lost, looked up and never charged
// anew. With a payment id, the PaymentIntent itself; without one, a scan of the PaymentIntents created in
// the attempt's send window (a complete scan that finds nothing is the `list` proof), then, when the window
// is too large to scan, PaymentIntent Search (evidence only).
import type { PaymentAttempt, ReconcileResult, ReconcileWindow } from '@acp/core';
import type Stripe from 'stripe';
import { classifyError, retryableFailure } from '../errors.js';
import { createdUnderKey, searchByKey } from '../metadata.js';
import { isPaymentIntentId } from '../outcomes.js';
import { settle } from './charge.js';
import { EXPAND, EXPAND_DATA, type GatewayContext } from './context.js';

/** Added on both sides of the window `reconcile` lists (clock difference between us and Stripe). */
const CLOCK_SLACK_SECONDS = 5 * 60;

export async function reconcile(
  ctx: GatewayContext,
  attempt: PaymentAttempt,
  window?: ReconcileWindow,
): Promise<ReconcileResult> {
  if (attempt.kind !== 'charge') return { status: 'not_found', proof: 'none' };
  try {
    if (attempt.paymentId?.startsWith('pi_')) {
      const paymentId = attempt.paymentId;
      const pi = await ctx.call(() => ctx.stripe.paymentIntents.retrieve(paymentId, { expand: EXPAND }));
      // A 3DS continuation whose PaymentIntent still waits (its confirm never took effect): nothing was
      // charged, and the PaymentIntent itself is the proof. Core confirms again under the same key, or, if
      // that key holds a saved 5xx, returns the session to authentication_required.
      if (
        attempt.continuesAttemptId &&
        (pi.status === 'requires_action' || pi.status === 'requires_confirmation')
      ) {
        return { status: 'not_found', proof: 'payment' };
      }
      return await settle(ctx, pi);
    }
    const listed = await listWindow(ctx, attempt, window);
    if (listed.found) return await settle(ctx, listed.found);
    if (listed.complete) return { status: 'not_found', proof: 'list' };
    const resume = listed.last ? { resumeAfter: listed.last } : {};
    if (ctx.reconcileBy === 'none') return { status: 'not_found', proof: 'none', ...resume };
    // The window held too many PaymentIntents to scan: search finds older ones, but lags writes ("more
    // delayed during an outage"), so a miss is only evidence.
    ctx.logger?.warn('reconcile: the List API window was too large to scan; falling back to search', {
      attemptId: attempt.id,
    });
    const found = await ctx.call(() =>
      ctx.stripe.paymentIntents.search({
        query: searchByKey(attempt.idempotencyKey),
        expand: EXPAND_DATA,
        limit: 10,
      }),
    );
    const hit = found.data[0];
    if (!hit) return { status: 'not_found', proof: 'search', ...resume };
    // Search results lag updates too ("new or updated data", https://docs.stripe.com/search#data-freshness):
    // the hit says which PaymentIntent is ours; its state is read from the PaymentIntent itself.
    const pi = await ctx.call(() => ctx.stripe.paymentIntents.retrieve(hit.id, { expand: EXPAND }));
    return await settle(ctx, pi);
  } catch (e) {
    return retryableFailure(classifyError(e), attempt.paymentId);
  }
}

/**
 * Lists the PaymentIntents created while charges were sent under the attempt's key (core's `window`, plus
 * clock slack on both sides), newest first, for one carrying the attempt's key in its metadata. The List API
 * is read-after-write consistent ("For read-after-write flows that require immediate data availability, use
 * the various list APIs": https://docs.stripe.com/search#data-freshness), so a COMPLETE scan that finds
 * nothing proves there is no PaymentIntent for the key. A scan cut short by `reconcileListLimit` proves
 * nothing (`complete: false`) but says where it stopped (`last`), and core's next call continues there
 * (`window.resumeAfter`, Stripe's `starting_after` cursor): the list is ordered newest first and the
 * attempt's PaymentIntent, if any, exists already, so the scans of the parts add up to a complete scan.
 */
async function listWindow(
  ctx: GatewayContext,
  attempt: PaymentAttempt,
  window: ReconcileWindow | undefined,
): Promise<{ found?: Stripe.PaymentIntent; complete: boolean; last?: string }> {
  const from = Date.parse(window?.sentFrom ?? attempt.sends?.firstAt ?? attempt.createdAt);
  // Without a window from core: everything from the first send until now.
  const until = window ? Date.parse(window.sentUntil) : ctx.now();
  if (!Number.isFinite(from) || !Number.isFinite(until)) return { complete: false };
  let scanned = 0;
  for await (const pi of ctx.stripe.paymentIntents.list({
    created: {
      gte: Math.floor(from / 1000) - CLOCK_SLACK_SECONDS,
      lte: Math.ceil(until / 1000) + CLOCK_SLACK_SECONDS,
    },
    limit: 100,
    expand: EXPAND_DATA,
    ...(window?.resumeAfter && isPaymentIntentId(window.resumeAfter)
      ? { starting_after: window.resumeAfter }
      : {}),
  })) {
    if (createdUnderKey(pi, attempt.idempotencyKey)) return { found: pi, complete: true };
    if (++scanned >= ctx.listLimit) return { complete: false, last: pi.id };
  }
  return { complete: true };
}
