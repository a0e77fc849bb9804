// Payments: the charge effect's execution (the interpreter's PSP half for charges), its outcome fed back
// into the machine as a command, and what happens to money that cannot be a session's order (late charges,
// duplicates, short payments): never dropped, never kept without an order.
import type { ExtraPayment, PaymentAttempt, SessionState } from '../domain.js';
import type { Effect } from '../engine/effects.js';
import type { Command } from '../engine/machine.js';
import { lateChargeDisposition, pendingChargePlan, sendWindow } from '../engine/transitions.js';
import { AcpError } from '../errors.js';
import type { ChargeResult, PaymentGatewayV1 } from '../ports.js';
import type { IdemRef } from './idempotency.js';
import { sessionAnswers } from './render.js';
import { concurrentModification, describeCause, type ServiceResult } from './results.js';
import type { Shell } from './shell.js';

/** The PSP idempotency key of the automatic refund of a duplicate payment: one refund per payment, ever. */
export const duplicateRefundKey = (paymentId: string) => `acp_duplicate_refund_${paymentId}`;

/** The answer of a charge's request, whether it stored it, and whether the attempt was closed uncharged. */
export interface ChargeAnswer {
  result: ServiceResult;
  stored: boolean;
  closed?: boolean;
}

export function createPayments(shell: Shell) {
  const { store, gateway, config, logger, ids } = shell;
  const ctxNow = shell.ctxNow;
  const sessionAnswer = sessionAnswers(config);

  async function sessionResponse(status: number, state: SessionState): Promise<ServiceResult> {
    const order = state.status === 'completed' ? await store.getOrderBySession(state.id) : null;
    return sessionAnswer(status, state, order);
  }

  /** What executing a payment effect produced: the PSP's answer, or proof that the attempt charged nothing. */
  type ChargeOutcome =
    | { result: ChargeResult; sent: boolean; listScan?: PaymentAttempt['listScan'] }
    | { close: true };
  type ChargePlan = ReturnType<typeof pendingChargePlan>;

  /**
   * Executes a payment effect of a committed transition: `payment.charge` sends the charge; `payment.resume`
   * (an attempt whose outcome is unknown) first looks the payment up and only then, if `plan` allows it, sends
   * the same request again under the same PSP key.
   *
   * A 5xx saved under the key (Stripe saves the first response of a request whose execution began, 500s
   * included, and replays it for 24 h) would make every resend answer the same 5xx. Such an attempt is closed
   * as uncharged only when `plan.close` (the timing rule of `pendingChargePlan`) holds AND the gateway's
   * lookup PROVES that no payment exists: a `list` proof (a read-after-write consistent scan of every send's
   * window, which core passes) or a `payment` proof (the payment itself shows no charge). A search that finds
   * nothing is never proof: Stripe's search lags writes, and lags more during an outage, which a 5xx is. A
   * payment found at any point wins (one charge, one order).
   */
  async function executePayment(
    effect: Extract<Effect, { type: 'payment.charge' | 'payment.resume' }>,
    plan?: ChargePlan,
  ): Promise<ChargeOutcome> {
    const attempt = effect.attempt;
    let sent = false;
    try {
      if (effect.type === 'payment.resume') {
        let listScan: PaymentAttempt['listScan'];
        if (gateway.reconcile) {
          const window = sendWindow(attempt, config);
          // In the closing phase (nothing of ours can still be executing under the key) a scan of the same
          // window that an earlier pass cut short continues where it stopped.
          const scan = attempt.listScan;
          const resume =
            plan?.close && scan && scan.sentFrom === window.sentFrom && scan.sentUntil === window.sentUntil
              ? { resumeAfter: scan.after }
              : {};
          const found = await gateway.reconcile(attempt, { ...window, ...resume });
          if (found.status !== 'not_found') return { result: found, sent: false };
          if (plan?.close && (found.proof === 'list' || found.proof === 'payment')) return { close: true };
          if (plan?.close && found.resumeAfter) {
            listScan = { ...window, after: found.resumeAfter };
            logger?.warn(
              'a charge whose key answered a 5xx: its List API window is large; the scan goes on',
              {
                attemptId: attempt.id,
              },
            );
          } else if (plan?.close && (found.proof === 'search' || found.proof === 'none')) {
            // The gateway cannot prove it: the session stays complete_in_progress. Tell the operator.
            logger?.error(
              'a charge whose key answered a 5xx cannot be proven uncharged; check the PSP for a payment under its key',
              {
                sessionId: attempt.sessionId,
                attemptId: attempt.id,
                idempotencyKey: attempt.idempotencyKey,
                proof: found.proof,
              },
            );
            await shell.report({
              type: 'payment_unconfirmed',
              sessionId: attempt.sessionId,
              attemptId: attempt.id,
              idempotencyKey: attempt.idempotencyKey,
              since: attempt.serverError?.firstAt ?? attempt.createdAt,
              proof: found.proof,
            });
          }
        }
        if (plan && !plan.send) {
          return {
            result: {
              status: 'retryable_failure',
              reason: 'server_error',
              message: 'The payment provider failed; waiting to confirm that nothing was charged.',
              retryAfterSeconds: plan.retryAfterSeconds ?? 5,
            },
            sent: false,
            ...(listScan ? { listScan } : {}),
          };
        }
      }
      if (!attempt.credentialToken || !attempt.handlerId) {
        return {
          result: {
            status: 'declined',
            code: 'missing_credential',
            message: 'The payment token is missing.',
          },
          sent: false,
        };
      }
      const state = await store.getSession(attempt.sessionId);
      const email = state?.state.buyer?.email;
      sent = true;
      const result = await gateway.charge({
        sessionId: attempt.sessionId,
        attemptId: attempt.id,
        attemptNumber: attempt.number,
        idempotencyKey: attempt.idempotencyKey,
        amount: attempt.amount,
        currency: attempt.currency,
        handlerId: attempt.handlerId,
        instrumentType: attempt.instrumentType ?? 'card',
        credential: { type: attempt.credentialType ?? 'spt', token: attempt.credentialToken },
        metadata: { checkout_session_id: attempt.sessionId, attempt: String(attempt.number) },
        ...(email ? { buyerEmail: email } : {}),
        ...(attempt.continuesAttemptId && attempt.paymentId ? { continuePaymentId: attempt.paymentId } : {}),
        ...(attempt.authenticationResult ? { authenticationResult: attempt.authenticationResult } : {}),
        ...(attempt.authenticationAvailable === false ? { authenticationAvailable: false } : {}),
      });
      return { result, sent: true };
    } catch (e) {
      logger?.warn('payment gateway threw; treating the outcome as unknown', { cause: describeCause(e) });
      return {
        result: {
          status: 'retryable_failure',
          reason: 'unknown',
          message: 'The payment provider did not answer.',
        },
        sent,
      };
    }
  }

  /** Applies a charge outcome (a command into the machine) and answers the request that triggered it. */
  async function finalizeCharge(
    sessionId: string,
    attempt: PaymentAttempt,
    outcome: ChargeOutcome,
    idem: IdemRef | undefined,
  ): Promise<ChargeAnswer> {
    const orderId = ids.orderId();
    const result = 'close' in outcome ? undefined : outcome.result;
    let superseded: SessionState | undefined;
    const command: Command = !result
      ? { type: 'charge_proven_uncharged', attempt }
      : {
          type: 'charge_settled',
          attempt,
          result,
          orderId,
          sent: 'sent' in outcome && outcome.sent,
          ...('listScan' in outcome && outcome.listScan ? { listScan: outcome.listScan } : {}),
        };
    const done = await shell.casLoop<ServiceResult>(
      sessionId,
      async ({ state }) => ({
        command,
        // The machine applies an outcome only while the session waits on this attempt: otherwise someone else
        // applied an outcome first, and the answer is the current state.
        unchanged: async () => {
          superseded = state;
          return sessionResponse(200, state);
        },
        respond: (t) => {
          if (result?.status === 'retryable_failure') {
            const retryAfterSeconds = result.retryAfterSeconds ?? 2;
            return shell.fail(
              result.reason === 'rate_limited'
                ? new AcpError(
                    'rate_limited',
                    'The payment provider is rate limiting requests. Nothing was charged twice; retry the request after Retry-After seconds.',
                    { retryAfterSeconds },
                  )
                : new AcpError(
                    'payment_unavailable',
                    'The payment provider is unavailable or did not confirm the payment. Nothing was charged twice; retry the request to continue.',
                    { retryAfterSeconds },
                  ),
            );
          }
          return sessionAnswer(200, t.state, t.order ?? null);
        },
      }),
      {
        idem: result === undefined || result.status === 'retryable_failure' ? undefined : idem,
        asResponse: (r) => r,
        exhausted: () => shell.fail(concurrentModification()),
      },
    );
    if (superseded && result?.status === 'succeeded') {
      // This attempt charged, but the session already has another outcome (e.g. a hosted link paid first, or
      // the attempt was closed while a send of it hung past its lease): never drop the money. It is the
      // order's payment; or it becomes the order if the session can still take one (the payment wins); or it
      // is refunded (a duplicate of the order, a payment while another attempt is in flight, a short one).
      const late = await settleLateCharge(sessionId, attempt, result);
      if (late.placed) return { result: late.placed, stored: false };
      const order = late.order;
      if (order?.paymentId !== result.paymentId) {
        const extra: ExtraPayment = {
          sessionId,
          paymentId: result.paymentId,
          amount: result.amount,
          currency: result.currency,
          ...(order ? { orderId: order.order.id } : {}),
        };
        try {
          await settleExtraPayment(
            extra,
            late.canceled ? 'canceled' : late.short ? 'underpaid' : 'duplicate',
          );
        } catch (e) {
          // Nothing redelivers this one (it is not a webhook): hand it to the operator.
          const reason =
            'The automatic refund of a duplicate payment could not be made now; refund it at the PSP.';
          logger?.error('could not refund a duplicate payment; refund it at the PSP', {
            sessionId,
            paymentId: result.paymentId,
            cause: describeCause(e),
          });
          await shell.report({ type: 'unmatched_payment', payment: extra, reason });
        }
      }
    }
    const answer: ChargeAnswer = { result: done.value, stored: done.stored };
    if (result === undefined && done.transition) {
      // A closed charge: the request that asked for it starts a new attempt (new key). A 3DS continuation that
      // went back to authentication_required answers with that state, which is then stored under the request's
      // key like any final answer: the engine never resends an authentication result under a new key itself.
      if (done.transition.state.status === 'authentication_required') return { ...answer, stored: false };
      return { ...answer, closed: true };
    }
    return answer;
  }

  /**
   * A charge of `attempt` that succeeded when the session had moved on (see finalizeCharge). When the session
   * has no order and can still take one (`linkPaymentDisposition` is `order`) and the payment covers it, it
   * becomes the order (`placed`: the answer). Otherwise the caller refunds it (`order`: the session's order,
   * if any; `short`: the payment falls short of the session; `canceled`: the buyer canceled the session after
   * this attempt was closed, and that explicit cancel is not overridden by a server-side charge the buyer was
   * told did not go through. A hosted link the buyer paid still wins: that is the `link_event` command).
   */
  async function settleLateCharge(
    sessionId: string,
    attempt: PaymentAttempt,
    payment: Extract<ChargeResult, { status: 'succeeded' }>,
  ): Promise<{
    placed?: ServiceResult;
    order: Awaited<ReturnType<typeof store.getOrderBySession>>;
    short?: boolean;
    canceled?: boolean;
  }> {
    type Late = Awaited<ReturnType<typeof settleLateCharge>>;
    let previousStatus: SessionState['status'] | undefined;
    try {
      const done = await shell.casLoop<Late>(
        sessionId,
        async ({ state }) => {
          const order = await store.getOrderBySession(sessionId);
          const disposition = order ? 'duplicate' : lateChargeDisposition(state, payment);
          if (disposition === 'duplicate') return { done: { order } };
          if (disposition === 'canceled') return { done: { order, canceled: true } };
          if (disposition === 'underpaid') return { done: { order, short: true } };
          const waiting = await shell.waitingAttempt(state);
          return {
            command: {
              type: 'late_charge_succeeded',
              attempt,
              payment,
              orderId: ids.orderId(),
              ...(waiting ? { waiting } : {}),
            },
            unchanged: () => ({ order }),
            respond: (t) => {
              previousStatus = state.status;
              return {
                placed: sessionAnswer(200, t.state, t.order ?? null),
                order: t.order ?? null,
              };
            },
          };
        },
        { expire: false, exhausted: () => ({ order: null }) },
      );
      if (done.transition) {
        logger?.error('a charge succeeded after its attempt was closed: it is the order (the payment wins)', {
          sessionId,
          attemptId: attempt.id,
          paymentId: payment.paymentId,
          previousStatus,
        });
      }
      if (done.transition || done.value.order || done.value.canceled || done.value.short) return done.value;
    } catch (e) {
      if (!(e instanceof AcpError && e.code === 'session_not_found')) throw e;
    }
    return { order: await store.getOrderBySession(sessionId) };
  }

  /**
   * Resume a pending attempt whose lease passed (returns undefined when not applicable). `purpose` `cancel`
   * only looks the payment up (and closes a proven-uncharged attempt): a cancel never sends a charge.
   */
  async function resumePending(
    state: SessionState,
    version: number,
    idem: IdemRef | undefined,
    purpose: 'pay' | 'cancel' = 'pay',
  ): Promise<ChargeAnswer | undefined> {
    if (state.status !== 'complete_in_progress') return undefined;
    const attempt = await store.getPaymentAttempt(state.currentAttemptId);
    if (!attempt) return undefined;
    const plan = pendingChargePlan(attempt, ctxNow(), purpose);
    const d = shell.decide(state, { type: 'resume_charge', attempt, send: plan.send });
    if (!d.ok) return { result: shell.fail(d.error), stored: false };
    if (!d.transition || !(await shell.commit(d.transition, version))) {
      return {
        result: shell.fail(
          new AcpError('payment_in_progress', 'A payment for this checkout session is being processed.', {
            retryAfterSeconds: 1,
          }),
        ),
        stored: false,
      };
    }
    const effect = chargeEffectOf(d.transition.effects);
    if (!effect) return undefined;
    return finalizeCharge(state.id, effect.attempt, await executePayment(effect, plan), idem);
  }

  /**
   * A payment the PSP took for a session that is not (and cannot become) that session's order: a second
   * payment for an already paid session. It is refunded automatically, in full, with reason `duplicate` and an
   * idempotency key derived from the payment id (so however many instances or redelivered webhooks see it,
   * the PSP refunds it once), logged at error level and reported with a `payment_refunded_duplicate` event;
   * when the refund cannot be made, an `unmatched_payment` event asks the operator to act. A refund the PSP
   * cannot take right now throws (a webhook then answers non-2xx and is redelivered).
   */
  async function settleExtraPayment(
    payment: ExtraPayment,
    /** `duplicate`: the session has its order already (or another payment in flight); `underpaid`: a payment
     * that falls short of the session (`paymentFallsShort`); `canceled`: a server-side charge that succeeded
     * late for a session the buyer canceled after its attempt was closed. All are refunded in full, once per
     * payment. */
    why: 'duplicate' | 'underpaid' | 'canceled',
  ): Promise<void> {
    const what = why === 'duplicate' ? 'duplicate' : why === 'underpaid' ? 'short' : "canceled session's";
    const fields = {
      sessionId: payment.sessionId,
      paymentId: payment.paymentId,
      ...(payment.orderId ? { orderId: payment.orderId } : {}),
      amount: payment.amount,
      currency: payment.currency,
    };
    const stored = why !== 'duplicate' ? await store.getSession(payment.sessionId) : null;
    const expected = stored
      ? { amount: stored.state.totals.total, currency: stored.state.currency }
      : { amount: 0, currency: payment.currency };
    if (!gateway.refund) {
      const reason = `The payment gateway cannot refund: refund this ${what} payment at the PSP.`;
      logger?.error('a payment does not match any order', { ...fields, reason });
      await shell.report({ type: 'unmatched_payment', payment, reason });
      return;
    }
    logger?.error(
      why === 'duplicate'
        ? 'a second payment for an already paid checkout session: refunding it as a duplicate'
        : why === 'underpaid'
          ? 'a payment that does not cover its checkout session (amount or currency): refunding it, no order'
          : 'a charge succeeded late for a checkout session the buyer canceled: refunding it, no order',
      why === 'duplicate' ? fields : { ...fields, expected },
    );
    let r: Awaited<ReturnType<NonNullable<PaymentGatewayV1['refund']>>>;
    try {
      r = await gateway.refund({
        orderId: payment.orderId ?? payment.sessionId,
        paymentId: payment.paymentId,
        currency: payment.currency,
        ...(why === 'duplicate'
          ? { reason: 'duplicate' as const }
          : why === 'canceled'
            ? { reason: 'requested_by_customer' as const }
            : {}),
        // One key per payment, whatever the reason: an automatic refund of one payment happens once.
        idempotencyKey: duplicateRefundKey(payment.paymentId),
      });
    } catch (e) {
      r = { status: 'failed', retryable: true, message: describeCause(e) ?? 'The refund call failed.' };
    }
    if (r.status === 'failed') {
      if (r.retryable) {
        throw new AcpError('payment_unavailable', 'Could not refund a duplicate payment yet; retry.', {
          retryAfterSeconds: 30,
        });
      }
      const reason = `The automatic refund of a ${what} payment failed: ${r.message}`;
      logger?.error('could not refund a payment automatically; refund it at the PSP', { ...fields, reason });
      await shell.report({ type: 'unmatched_payment', payment, reason });
      return;
    }
    const refund = { refundId: r.refundId, status: r.status };
    await shell.report(
      why === 'duplicate'
        ? { type: 'payment_refunded_duplicate', payment, refund }
        : { type: 'payment_refunded_unmatched', payment, reason: why, expected, refund },
    );
  }

  return { executePayment, finalizeCharge, resumePending, settleExtraPayment };
}

export type Payments = ReturnType<typeof createPayments>;

/** The transition's charge effect, if it has one (a transition settles at most one). */
export function chargeEffectOf(effects: readonly Effect[]) {
  return effects.find(
    (e): e is Extract<Effect, { type: 'payment.charge' | 'payment.resume' }> =>
      e.type === 'payment.charge' || e.type === 'payment.resume',
  );
}
