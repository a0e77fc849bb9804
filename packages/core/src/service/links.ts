// Hosted payment links and the PSP's events: opening a link (its create call is a settle effect: recorded
// before the call, its answer fed back as a command), closing one before a cancel (a gate effect), and every
// PSP event (link paid/expired/failed, refunds) applied through the machine.
import type { OrderRecord, PaymentAttempt, SessionState } from '../domain.js';
import type { Effect } from '../engine/effects.js';
import { effectsOf } from '../engine/machine.js';
import { pendingLinkOf } from '../engine/session.js';
import { isOwnLinkAttempt, linkPaymentDisposition, paymentFallsShort } from '../engine/transitions.js';
import { AcpError } from '../errors.js';
import type { PaymentEvent, PaymentGatewayV1, PaymentLinkStatus } from '../ports.js';
import type { Payments } from './payments.js';
import { concurrentModification, describeCause, json, type ServiceResult } from './results.js';
import { type GateResult, MAX_CAS_RETRIES, type Shell, type Stored } from './shell.js';
import type { RequestContext } from './types.js';

type LinkAnswer = { url: string; expires_at: string; checkout_session_id: string };
export type EventOutcome = { applied: boolean; reason?: string };

export function createLinks(shell: Shell, payments: Payments) {
  const { store, gateway, logger, ids } = shell;

  /** The session's own recorded attempt of the PSP link `linkId`, if this session opened that link. */
  async function ownLinkAttempt(state: SessionState, linkId: string): Promise<PaymentAttempt | undefined> {
    if (state.status === 'in_progress' && state.paymentLink.linkId === linkId) {
      const current = await store.getPaymentAttempt(state.paymentLink.attemptId);
      if (current && isOwnLinkAttempt(current, state.id, linkId)) return current;
    }
    return (await store.listPaymentAttempts(state.id)).find((a) => isOwnLinkAttempt(a, state.id, linkId));
  }

  /** Opens (or returns the open) hosted payment link of a payable session. */
  async function createPaymentLink(
    id: string,
    ctx: Pick<RequestContext, 'caller'>,
  ): Promise<ServiceResult<LinkAnswer>> {
    try {
      if (!gateway.createPaymentLink) {
        throw new AcpError('unsupported_payment_handler', 'This store has no hosted payment link provider.');
      }
      await shell.loadOwned(id, ctx);
      for (let i = 0; i < MAX_CAS_RETRIES; i++) {
        // Record the attempt before calling the PSP, so a retry after a lost answer sends the same request.
        const begun = await shell.casLoop<SessionState>(id, async ({ state }) => {
          const pendingId = pendingLinkOf(state);
          const pending = pendingId ? ((await store.getPaymentAttempt(pendingId)) ?? undefined) : undefined;
          return {
            command: { type: 'open_link', ...(pending ? { pending } : {}) },
            respond: () => state,
            unchanged: () => state,
          };
        });
        const t = begun.transition;
        const effect = t ? effectsOf(t, 'settle')[0] : undefined;
        if (!t || effect?.type !== 'payment_link.create') {
          // No link to create: the session has its link open already.
          const open = t?.state ?? begun.value;
          if (open.status !== 'in_progress') throw new AcpError('internal_error', 'No payment link is open.');
          const link = open.paymentLink;
          return json(200, { url: link.url, expires_at: link.expiresAt, checkout_session_id: id });
        }
        const version = begun.version!;
        const created = await createLink(effect);
        if (created.status === 'retryable_failure') {
          if (created.reason === 'server_error' || created.reason === 'key_conflict') {
            const dropped = shell.decide(t.state, { type: 'link_abandoned', attempt: effect.attempt });
            const committed =
              dropped.ok && dropped.transition !== null && (await shell.commit(dropped.transition, version));
            if (!committed)
              logger?.warn('could not drop a payment link attempt after a PSP 5xx; a retry will');
            // The PSP refused the key as used with other parameters: nobody has a link under it, so this call
            // goes on at once with a new attempt (new key).
            if (created.reason === 'key_conflict') {
              logger?.warn('payment link key refused as reused with other parameters; using a new key', {
                attemptId: effect.attempt.id,
              });
              if (committed) continue;
            }
          }
          throw new AcpError('payment_unavailable', created.message, {
            retryAfterSeconds: created.retryAfterSeconds ?? 2,
          });
        }
        const opened = shell.decide(t.state, { type: 'link_opened', attempt: effect.attempt, link: created });
        if (!opened.ok) throw opened.error;
        if (!opened.transition || !(await shell.commit(opened.transition, version))) continue;
        return json(200, { url: created.url, expires_at: created.expiresAt, checkout_session_id: id });
      }
      throw concurrentModification('retry');
    } catch (e) {
      return shell.fail(e);
    }
  }

  /** The settle half of a link's create effect: the PSP's answer (a throw becomes a retryable failure). */
  async function createLink(
    effect: Extract<Effect, { type: 'payment_link.create' }>,
  ): Promise<Awaited<ReturnType<NonNullable<PaymentGatewayV1['createPaymentLink']>>>> {
    try {
      return await gateway.createPaymentLink!(effect.request);
    } catch (e) {
      logger?.warn('payment link provider failed; the attempt is kept for the retry', {
        cause: describeCause(e),
      });
      return {
        status: 'retryable_failure',
        message: 'The payment provider did not answer; retry to get the link.',
      };
    }
  }

  /**
   * The gate of a cancel: the open link is closed at the PSP before the cancel commits. A link paid meanwhile
   * wins (its payment becomes the order; the cancel is refused); a PSP that cannot close it refuses the cancel.
   */
  async function expireLink(
    effect: Extract<Effect, { type: 'payment_link.expire' }>,
    stored: Stored,
  ): Promise<GateResult> {
    if (!gateway.expirePaymentLink) return { kind: 'proceed' };
    const closed = await gateway.expirePaymentLink(effect.linkId);
    if (closed.status === 'retryable_failure') {
      return {
        kind: 'refuse',
        error: new AcpError('payment_unavailable', 'Could not close the open payment link; retry.', {
          retryAfterSeconds: 2,
        }),
      };
    }
    if (closed.status !== 'completed') return { kind: 'proceed' };
    await handlePaymentEvent({
      type: 'payment_link.succeeded',
      sessionId: effect.sessionId,
      linkId: effect.linkId,
      paymentId: closed.paymentId,
      amount: closed.amount,
      currency: closed.currency,
    });
    const after = await shell.load(effect.sessionId);
    if (after.state.status === 'completed') {
      return {
        kind: 'refuse',
        error: new AcpError(
          'session_not_cancelable',
          'The payment link was paid before it could be closed; the session is completed.',
        ),
      };
    }
    // A payment that fell short was refunded and the session is payable again: the cancel is decided again on
    // the new state.
    return after.version !== stored.version ? { kind: 'retry' } : { kind: 'proceed' };
  }

  /**
   * Asks the PSP about the open payment link of an `in_progress` session and applies what it says through the
   * same transitions as the webhooks (so a paid link gives exactly one order however many processes do this).
   */
  async function reconcileLink(state: SessionState): Promise<'completed' | 'reopened' | 'open' | 'unknown'> {
    if (state.status !== 'in_progress' || !gateway.retrievePaymentLink) return 'open';
    const link = state.paymentLink;
    let found: PaymentLinkStatus;
    try {
      found = await gateway.retrievePaymentLink(link.linkId);
    } catch (e) {
      logger?.warn('payment link lookup failed', { cause: describeCause(e) });
      return 'unknown';
    }
    try {
      switch (found.status) {
        case 'paid':
          await handlePaymentEvent({
            type: 'payment_link.succeeded',
            sessionId: state.id,
            linkId: link.linkId,
            paymentId: found.paymentId,
            amount: found.amount,
            currency: found.currency,
          });
          return 'completed';
        case 'expired':
          await handlePaymentEvent({
            type: 'payment_link.expired',
            sessionId: state.id,
            linkId: link.linkId,
          });
          return 'reopened';
        case 'open':
          return 'open';
        default:
          return 'unknown';
      }
    } catch (e) {
      logger?.warn('could not apply a payment link outcome', { cause: describeCause(e) });
      return 'unknown';
    }
  }

  /** A refund fact from the PSP, recorded on its order's ledger. */
  async function refundEvent(
    event: Extract<PaymentEvent, { type: 'refund.updated' }>,
  ): Promise<EventOutcome> {
    const record = await store.getOrderByPayment(event.paymentId);
    if (!record) {
      // A refund of one of our payments whose order is not recorded yet (the PSP does not order its
      // webhooks: a refund can arrive before the payment's own event): throw, so the PSP redelivers it
      // later. A session that is completed already has its order from another payment (this refund is of
      // a duplicate payment); payments that are not ours are ignored.
      const stored = event.sessionId ? await store.getSession(event.sessionId) : null;
      if (stored && orderMayAppear(stored.state)) {
        throw new AcpError(
          'payment_in_progress',
          'The order for this refunded payment is not recorded yet; redeliver the event later.',
          { retryAfterSeconds: 60 },
        );
      }
      if (stored && stored.state.status !== 'completed') {
        // One of our payments that is no order and will not become one (the session is canceled, expired
        // or payable with nothing pending): e.g. an `unmatched_payment` the operator refunded. Answered, so
        // the PSP stops redelivering; logged for the operator.
        logger?.error('a refund of a payment of ours that has no order (none will appear): not recorded', {
          sessionId: stored.state.id,
          status: stored.state.status,
          paymentId: event.paymentId,
          refundId: event.refundId,
          refundStatus: event.status,
        });
        return { applied: false, reason: 'no_order' };
      }
      return { applied: false, reason: 'unknown_payment' };
    }
    if ((await shell.applyOrderRefund(record.order.id, event))?.changed) return { applied: true };
    return { applied: false, reason: 'duplicate' };
  }

  /** Applies a PSP event translated by a payment adapter (webhooks). Safe to call repeatedly. */
  async function handlePaymentEvent(event: PaymentEvent): Promise<EventOutcome> {
    if (event.type === 'refund.updated') return refundEvent(event);
    const orderId = ids.orderId();
    // What to do once the loop is over: PSP calls never run inside it.
    let refund: { why: 'duplicate' | 'underpaid'; order: OrderRecord | null } | undefined;
    try {
      const done = await shell.casLoop<EventOutcome>(
        event.sessionId,
        async ({ state }) => {
          refund = undefined;
          let own: PaymentAttempt | undefined;
          if (event.type === 'payment_link.succeeded') {
            if (state.status === 'completed') {
              const order = await store.getOrderBySession(event.sessionId);
              if (order?.paymentId === event.paymentId)
                return { done: { applied: false, reason: 'no_change' } };
            }
            own = await ownLinkAttempt(state, event.linkId);
            if (!own) {
              // Not a link this session opened: never completed with, never refunded as ours.
              logger?.error('a hosted payment for a link this checkout session never opened: ignored', {
                sessionId: event.sessionId,
                linkId: event.linkId,
                paymentId: event.paymentId,
              });
              return { done: { applied: false, reason: 'unknown_link' } };
            }
            const disposition = linkPaymentDisposition(state);
            if (disposition === 'wait') {
              // A charge attempt of this session is in flight: its outcome decides which payment is the order.
              throw new AcpError(
                'payment_in_progress',
                'A charge for this checkout session is in progress; redeliver the payment event later.',
                { retryAfterSeconds: 30 },
              );
            }
            if (disposition === 'completed') {
              const order = await store.getOrderBySession(event.sessionId);
              if (order?.paymentId === event.paymentId)
                return { done: { applied: false, reason: 'no_change' } };
              refund = { why: 'duplicate', order };
              return { done: { applied: false, reason: 'duplicate_payment' } };
            }
            if (paymentFallsShort(state, event)) {
              // Our own link captured less than the total (or another currency): never an underpaid order. The
              // payment is refunded; the session stays (or becomes again) payable.
              refund = { why: 'underpaid', order: null };
              return {
                command: { type: 'link_underpaid', own, event },
                respond: () => ({ applied: true, reason: 'underpaid' }),
                unchanged: () => ({ applied: false, reason: 'underpaid' }),
              };
            }
          }
          return {
            command: { type: 'link_event', event, orderId, ...(own ? { own } : {}) },
            respond: () => ({ applied: true }),
            unchanged: () => ({ applied: false, reason: 'no_change' }),
          };
        },
        {
          expire: false,
          exhausted: () => {
            throw concurrentModification('redeliver');
          },
        },
      );
      if (refund && event.type === 'payment_link.succeeded') {
        await payments.settleExtraPayment(
          {
            sessionId: event.sessionId,
            paymentId: event.paymentId,
            amount: event.amount,
            currency: event.currency,
            ...(refund.order ? { orderId: refund.order.order.id } : {}),
          },
          refund.why,
        );
      }
      return done.value;
    } catch (e) {
      if (e instanceof AcpError && e.code === 'session_not_found')
        return { applied: false, reason: 'unknown_session' };
      throw e;
    }
  }

  return { createPaymentLink, handlePaymentEvent, reconcileLink, expireLink };
}

export type Links = ReturnType<typeof createLinks>;

/**
 * Whether a session without an order may still get one from a payment already made: a charge in flight, an
 * open link, a payment waiting for 3DS, or a link attempt whose create answer is pending.
 */
function orderMayAppear(state: SessionState): boolean {
  return (
    state.status === 'complete_in_progress' ||
    state.status === 'in_progress' ||
    state.status === 'authentication_required' ||
    pendingLinkOf(state) !== undefined
  );
}
