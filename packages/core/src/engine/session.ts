// The session variants, built: one constructor per variant of `SessionState` (domain.ts), each from the base
// fields of any session (`baseOf`) plus exactly the fields of its status. A transition that changes a
// session's variant goes through one of them, so no field of the old status survives into the new one.
import type {
  AuthenticatingSession,
  ChargingSession,
  ClosedSession,
  CompletedSession,
  LinkPendingSession,
  LinkSession,
  PayableSession,
  PayableStatus,
  PaymentLinkState,
  SessionBase,
  SessionState,
} from '../domain.js';
import type { AuthenticationMetadata } from '../spec/2026-04-17/schemas.generated.js';

/** Every field a variant adds to `SessionBase` (the status included). */
type VariantKey = Exclude<
  SessionState extends infer V ? (V extends unknown ? keyof V : never) : never,
  keyof SessionBase
>;
/** Any session, or base fields with some of a variant's fields (a stored session of an older shape too). */
type AnySession = SessionBase & { [K in VariantKey]?: unknown };

/** Every field a variant adds to the base fields; the type below fails the build when one is missing. */
const VARIANT_FIELDS = [
  'status',
  'currentAttemptId',
  'authenticationMetadata',
  'paymentLink',
  'pendingLinkAttemptId',
  'orderId',
] as const;
const _everyVariantField: Record<Exclude<VariantKey, (typeof VARIANT_FIELDS)[number]>, never> = {};
void _everyVariantField;

/** The base fields of `state`, without its status nor any field of its status (always a new object). */
export function baseOf(state: AnySession): SessionBase {
  // A plain spread when no variant field is there (a state a transition is building): far cheaper than the rest.
  for (const k of VARIANT_FIELDS) if (k in state) return withoutVariantFields(state);
  return { ...state };
}

function withoutVariantFields(state: AnySession): SessionBase {
  const {
    status: _status,
    currentAttemptId: _currentAttemptId,
    authenticationMetadata: _authenticationMetadata,
    paymentLink: _paymentLink,
    pendingLinkAttemptId: _pendingLinkAttemptId,
    orderId: _orderId,
    ...base
  } = state; // exactly VARIANT_FIELDS
  return base;
}

const PAYABLE = {
  incomplete: true,
  not_ready_for_payment: true,
  requires_escalation: true,
  ready_for_payment: true,
  pending_approval: true,
} as const satisfies Record<PayableStatus, true>;

export function isPayable(state: SessionState): state is PayableSession {
  return state.status in PAYABLE;
}

/**
 * The payment-link attempt a session recorded before its PSP call, if any. Only a payable session sets one;
 * it survives a complete that did not pay. Terminal and `in_progress` sessions have none (a session stored by
 * an older version may still carry one: it is not read).
 */
export function pendingLinkOf(state: SessionState): string | undefined {
  switch (state.status) {
    case 'complete_in_progress':
    case 'authentication_required':
      return state.pendingLinkAttemptId;
    default:
      return isPayable(state) ? state.pendingLinkAttemptId : undefined;
  }
}

/** Whether the session's recorded payment-link attempt is `attemptId` (see `pendingLinkOf`). */
export function awaitsLink(state: SessionState, attemptId: string): state is LinkPendingSession {
  return pendingLinkOf(state) === attemptId;
}

/** Whether the session waits on the charge attempt `attemptId` (`complete_in_progress`). */
export function awaitsCharge(state: SessionState, attemptId: string): state is ChargingSession {
  return state.status === 'complete_in_progress' && state.currentAttemptId === attemptId;
}

/**
 * The variant constructors. Each starts from `baseOf(state)` (a new object) and adds its status's fields to it:
 * one copy per transition rather than a copy and a spread.
 */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `base` (base fields only, a new object the caller owns: it becomes the session) as a payable session with
 * `status`. `toPayable` is the same for any session (it copies).
 */
export function withStatus(base: SessionBase, status: PayableStatus): PayableSession {
  const s = base as Mutable<PayableSession>;
  s.status = status;
  return s;
}

/** A payable session; `pendingLinkAttemptId` is the link attempt it keeps, if any. */
export function toPayable(
  state: AnySession,
  status: PayableStatus,
  pendingLinkAttemptId?: string,
): PayableSession {
  const s = withStatus(baseOf(state), status) as Mutable<PayableSession>;
  if (pendingLinkAttemptId !== undefined) s.pendingLinkAttemptId = pendingLinkAttemptId;
  return s;
}

/** A session waiting on the charge attempt `currentAttemptId`. */
export function toCharging(
  state: AnySession,
  currentAttemptId: string,
  keep: { authenticationMetadata?: AuthenticationMetadata; pendingLinkAttemptId?: string } = {},
): ChargingSession {
  const s = baseOf(state) as Mutable<ChargingSession>;
  s.status = 'complete_in_progress';
  s.currentAttemptId = currentAttemptId;
  if (keep.authenticationMetadata) s.authenticationMetadata = keep.authenticationMetadata;
  if (keep.pendingLinkAttemptId !== undefined) s.pendingLinkAttemptId = keep.pendingLinkAttemptId;
  return s;
}

/** A session whose attempt `currentAttemptId` waits for 3D Secure. */
export function toAuthenticating(
  state: AnySession,
  currentAttemptId: string,
  authenticationMetadata: AuthenticationMetadata,
  pendingLinkAttemptId?: string,
): AuthenticatingSession {
  const s = baseOf(state) as Mutable<AuthenticatingSession>;
  s.status = 'authentication_required';
  s.currentAttemptId = currentAttemptId;
  s.authenticationMetadata = authenticationMetadata;
  if (pendingLinkAttemptId !== undefined) s.pendingLinkAttemptId = pendingLinkAttemptId;
  return s;
}

/** A session with the hosted payment link `paymentLink` open (it waits on the link's attempt). */
export function toLink(state: AnySession, paymentLink: PaymentLinkState): LinkSession {
  const s = baseOf(state) as Mutable<LinkSession>;
  s.status = 'in_progress';
  s.currentAttemptId = paymentLink.attemptId;
  s.paymentLink = paymentLink;
  return s;
}

export function toCompleted(state: AnySession, orderId: string): CompletedSession {
  const s = baseOf(state) as Mutable<CompletedSession>;
  s.status = 'completed';
  s.orderId = orderId;
  return s;
}

export function toClosed(state: AnySession, status: ClosedSession['status']): ClosedSession {
  const s = baseOf(state) as Mutable<ClosedSession>;
  s.status = status;
  return s;
}
