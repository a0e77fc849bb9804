// The checkout machine's one entry point: `transition(state, command, ctx) → { state, effects } | { error }`.
// Every state change of a session is a `Command` (what a caller asked, or what a PSP answered: the results
// of effects come back in as commands), switched exhaustively here. The handlers live in transitions.ts;
// the shell (service/) loads, calls `transition`, commits with compare-and-set and hands the effects to its
// one interpreter. Pure: no I/O, time and ids come in through `ctx` and the command.
import type { PaymentAttempt, SessionState } from '../domain.js';
import { AcpError } from '../errors.js';
import type { ChargeResult, PaymentEvent } from '../ports.js';
import type {
  CancelSessionRequest,
  CheckoutSessionCompleteRequest,
  CheckoutSessionCreateRequest,
  CheckoutSessionUpdateRequest,
} from '../spec/2026-04-17/schemas.generated.js';
import { assertNever } from '../status.js';
import { awaitsCharge, awaitsLink } from './session.js';
import {
  abandonPaymentLinkAttempt,
  allows,
  applyChargeResult,
  applyPaymentLinkEvent,
  beginComplete,
  beginPaymentLink,
  type CartInputs,
  cancelSession,
  closeUnchargedAttempt,
  createSession,
  type Decision,
  type Effect,
  type EngineContext,
  expireIfDue,
  type Operation,
  paymentLinkOpened,
  placeLateCharge,
  refusal,
  rejectShortLinkPayment,
  resumeAttempt,
  type Transition,
  updateSession,
} from './transitions.js';

/** Everything that can change a session: requests, and the PSP's answers to effects. */
export type Command =
  // ------------------------------------------------------------------ what a caller asks
  | { type: 'create'; id: string; request: CheckoutSessionCreateRequest; owner?: string; cart: CartInputs }
  | { type: 'update'; request: CheckoutSessionUpdateRequest; cart: CartInputs }
  | {
      type: 'complete';
      request: CheckoutSessionCompleteRequest;
      /** The attempt an `authentication_required` session waits on (its 3DS continuation). */
      previous?: PaymentAttempt;
      /** Digest of the request's idempotency scope and key: only that request takes the attempt's outcome. */
      requestKey?: string;
    }
  | { type: 'cancel'; request?: CancelSessionRequest; waiting?: PaymentAttempt }
  | { type: 'open_link'; pending?: PaymentAttempt }
  // ------------------------------------------------------------------ time
  | { type: 'expire'; waiting?: PaymentAttempt }
  // ------------------------------------------------------------------ the PSP's answers (effect results)
  /** Re-run an attempt whose outcome is unknown (lease passed), sending again only when `send`. */
  | { type: 'resume_charge'; attempt: PaymentAttempt; send: boolean }
  | {
      type: 'charge_settled';
      attempt: PaymentAttempt;
      result: ChargeResult;
      orderId: string;
      sent: boolean;
      listScan?: PaymentAttempt['listScan'];
    }
  /** The PSP proved the attempt charged nothing (its key answered a saved 5xx): it is closed. */
  | { type: 'charge_proven_uncharged'; attempt: PaymentAttempt }
  /** A charge of `attempt` succeeded after the session moved on and it can still take an order. */
  | {
      type: 'late_charge_succeeded';
      attempt: PaymentAttempt;
      payment: {
        paymentId: string;
        amount: number;
        currency: string;
        card?: { brand?: string; last4?: string };
      };
      orderId: string;
      waiting?: PaymentAttempt;
    }
  | { type: 'link_opened'; attempt: PaymentAttempt; link: { linkId: string; url: string; expiresAt: string } }
  /** The PSP failed the link's create call in a way that makes its key unusable: a retry uses a new attempt. */
  | { type: 'link_abandoned'; attempt: PaymentAttempt }
  | {
      type: 'link_event';
      event: Extract<PaymentEvent, { type: `payment_link.${string}` }>;
      orderId: string;
      own?: PaymentAttempt;
    }
  /** Our own link captured less than the total (or another currency): refunded, never an order. */
  | {
      type: 'link_underpaid';
      own: PaymentAttempt;
      event: { linkId: string; paymentId: string; amount: number; currency: string };
    };

export type CommandType = Command['type'];

/**
 * What `transition` decided: a change to commit, nothing to change (`transition: null`, e.g. a duplicate
 * webhook), or a typed refusal.
 */
export type Outcome = { ok: true; transition: Transition | null } | { ok: false; error: AcpError };

const changed = (t: Transition | undefined): Outcome => ({ ok: true, transition: t ?? null });
const decided = (d: Decision): Outcome => d;
const refused = (state: SessionState, operation: Operation): Outcome => ({
  ok: false,
  error: refusal(state, operation),
});

/**
 * The machine. `state` is the stored session (absent only for `create`). Exhaustive over `Command`: a new
 * command fails the build until it is handled.
 */
export function transition(state: SessionState | undefined, command: Command, ctx: EngineContext): Outcome {
  if (command.type === 'create') {
    if (state) return { ok: false, error: new AcpError('internal_error', 'The session id is taken.') };
    const { id, request, cart, owner } = command;
    // Any caller identity (an empty one too) owns what it creates; only internal callers leave no owner.
    return decided(createSession({ id, request, ...(owner !== undefined ? { owner } : {}), ...cart }, ctx));
  }
  if (!state) {
    return {
      ok: false,
      error: new AcpError('session_not_found', 'No checkout session with this id.', { param: '$.id' }),
    };
  }
  // Requests are refused where STATUS_RULES says so (`allows`). An effect's answer applies only while the session
  // still waits on that attempt (`awaitsCharge`, `awaitsLink`); a stale or repeated answer changes nothing (the
  // shell then settles the money another way: see service/payments.ts). Either way the handler gets the
  // session variants it acts on.
  switch (command.type) {
    case 'update':
      if (!allows(state, 'update')) return refused(state, 'update');
      return decided(updateSession(state, command.request, command.cart, ctx));
    case 'complete':
      if (!allows(state, 'complete')) return refused(state, 'complete');
      return decided(
        beginComplete(
          state,
          command.request,
          command.previous,
          ctx,
          command.requestKey ? { requestKey: command.requestKey } : {},
        ),
      );
    case 'cancel':
      if (!allows(state, 'cancel')) return refused(state, 'cancel');
      return decided(cancelSession(state, command.request, ctx, command.waiting));
    case 'open_link':
      // The open link is the answer: nothing to change.
      if (state.status === 'in_progress' && state.paymentLink) return changed(undefined);
      return decided(beginPaymentLink(state, command.pending, ctx));
    case 'expire':
      return changed(expireIfDue(state, ctx, command.waiting));
    case 'resume_charge':
      if (!awaitsCharge(state, command.attempt.id)) return changed(undefined);
      return decided(resumeAttempt(state, command.attempt, ctx, { send: command.send }));
    case 'charge_settled':
      if (!awaitsCharge(state, command.attempt.id)) return changed(undefined);
      return changed(
        applyChargeResult(
          state,
          command.attempt,
          command.result,
          { ...ctx, orderId: command.orderId },
          { sent: command.sent, ...(command.listScan ? { listScan: command.listScan } : {}) },
        ),
      );
    case 'charge_proven_uncharged':
      if (!awaitsCharge(state, command.attempt.id)) return changed(undefined);
      return changed(closeUnchargedAttempt(state, command.attempt, ctx));
    case 'late_charge_succeeded':
      return changed(
        placeLateCharge(
          state,
          command.attempt,
          command.payment,
          { ...ctx, orderId: command.orderId },
          command.waiting,
        ),
      );
    case 'link_opened':
      // A link opens only on a payable session: one that started a charge (or 3DS) meanwhile keeps that attempt.
      if (state.status !== 'ready_for_payment' || !awaitsLink(state, command.attempt.id))
        return changed(undefined);
      return changed(paymentLinkOpened(state, command.attempt, command.link, ctx));
    case 'link_abandoned':
      if (!awaitsLink(state, command.attempt.id)) return changed(undefined);
      return changed(abandonPaymentLinkAttempt(state, command.attempt, ctx));
    case 'link_event':
      return changed(
        applyPaymentLinkEvent(state, command.event, { ...ctx, orderId: command.orderId }, command.own),
      );
    case 'link_underpaid':
      return changed(rejectShortLinkPayment(state, command.own, command.event, ctx));
    default:
      return assertNever(command, 'command');
  }
}

/**
 * When the shell runs an effect relative to the commit of the transition that produced it:
 * - `gate`: before the commit, outside any store call; its answer decides whether the transition may commit
 *   (closing an open payment link before a cancel: a link paid meanwhile wins);
 * - `settle`: after the commit, awaited; its answer comes back as a command (a charge, a link to open);
 * - `after`: after the commit, best effort (events, inventory, a payment nobody will finish).
 */
export const EFFECT_PHASE = {
  'payment.charge': 'settle',
  'payment.resume': 'settle',
  'payment_link.create': 'settle',
  'payment_link.expire': 'gate',
  'payment.cancel': 'after',
  'inventory.commit': 'after',
  'event.emit': 'after',
} as const satisfies Record<Effect['type'], 'gate' | 'settle' | 'after'>;

export type EffectPhase = (typeof EFFECT_PHASE)[Effect['type']];
export type SettleEffect = Extract<
  Effect,
  { type: 'payment.charge' | 'payment.resume' | 'payment_link.create' }
>;
export type GateEffect = Extract<Effect, { type: 'payment_link.expire' }>;

/** The transition's effects of one phase. A transition has at most one `settle` and one `gate` effect. */
export function effectsOf<P extends EffectPhase>(
  t: Transition,
  phase: P,
): P extends 'settle' ? SettleEffect[] : P extends 'gate' ? GateEffect[] : Effect[] {
  return t.effects.filter((e) => EFFECT_PHASE[e.type] === phase) as never;
}
