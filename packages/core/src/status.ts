// The checkout status machine. The spec (2026-04-17) lists 11 statuses and defines semantics for about five
// (digest §2.8, §9 A5); the table below is this toolkit's reading, keyed by every status so that a new
// status in a future spec version fails the build.
import type { CheckoutSessionBase } from './spec/2026-04-17/schemas.generated.js';

export type CheckoutStatus = CheckoutSessionBase['status'];

export const CHECKOUT_STATUSES = [
  'incomplete',
  'not_ready_for_payment',
  'requires_escalation',
  'authentication_required',
  'ready_for_payment',
  'pending_approval',
  'complete_in_progress',
  'completed',
  'canceled',
  'in_progress',
  'expired',
] as const satisfies readonly CheckoutStatus[];

/** What an operation does in a given status. */
export type Permission =
  | 'allow'
  /** The operation is refused with the named typed error. */
  | {
      refuse:
        | 'session_completed'
        | 'session_canceled'
        | 'session_expired'
        | 'payment_in_progress'
        | 'session_not_payable'
        | 'session_not_cancelable';
    };

export interface StatusRules {
  /** No further transition except through payment reconciliation. */
  terminal: boolean;
  /** Emitted by this engine (the others are accepted in stored data but never produced). */
  emitted: boolean;
  /** Expires at `expires_at` (moves to `expired`). */
  expires: boolean;
  update: Permission;
  complete: Permission;
  cancel: Permission;
  meaning: string;
}

const done = { refuse: 'session_completed' } as const;
const canceled = { refuse: 'session_canceled' } as const;
const expired = { refuse: 'session_expired' } as const;
const paying = { refuse: 'payment_in_progress' } as const;
const notPayable = { refuse: 'session_not_payable' } as const;
const notCancelable = { refuse: 'session_not_cancelable' } as const;

export const STATUS_RULES = {
  incomplete: {
    terminal: false,
    emitted: false,
    expires: true,
    update: 'allow',
    complete: notPayable,
    cancel: 'allow',
    meaning: 'Treated like not_ready_for_payment; this engine reports not_ready_for_payment instead.',
  },
  not_ready_for_payment: {
    terminal: false,
    emitted: true,
    expires: true,
    update: 'allow',
    complete: notPayable,
    cancel: 'allow',
    meaning: 'The cart has blocking messages (missing buyer email, address, shipping choice, stock).',
  },
  requires_escalation: {
    terminal: false,
    emitted: false,
    expires: true,
    update: 'allow',
    complete: notPayable,
    cancel: 'allow',
    meaning: 'Not produced; a human must intervene. Accepted in stored data, updates re-evaluate readiness.',
  },
  authentication_required: {
    terminal: false,
    emitted: true,
    expires: true,
    update: paying,
    complete: 'allow',
    cancel: 'allow',
    meaning: 'The PSP asked for 3DS; complete must carry authentication_result (else requires_3ds).',
  },
  ready_for_payment: {
    terminal: false,
    emitted: true,
    expires: true,
    update: 'allow',
    complete: 'allow',
    cancel: 'allow',
    meaning: 'Everything needed to pay is present.',
  },
  pending_approval: {
    terminal: false,
    emitted: false,
    expires: true,
    update: 'allow',
    complete: notPayable,
    cancel: 'allow',
    meaning: 'Not produced (B2B approval flows are out of scope).',
  },
  complete_in_progress: {
    terminal: false,
    emitted: true,
    expires: false,
    update: paying,
    complete: paying,
    cancel: paying,
    meaning:
      'A server-side charge attempt is recorded and may be in flight. It never expires: it resolves by ' +
      'reconciling the attempt with the PSP (same idempotency key), never by charging again.',
  },
  completed: {
    terminal: true,
    emitted: true,
    expires: false,
    update: done,
    complete: done,
    cancel: notCancelable,
    meaning: 'Paid; exactly one order exists.',
  },
  canceled: {
    terminal: true,
    emitted: true,
    expires: false,
    update: canceled,
    complete: canceled,
    cancel: notCancelable,
    meaning: 'Canceled by the agent.',
  },
  in_progress: {
    terminal: false,
    emitted: true,
    expires: false,
    update: paying,
    complete: paying,
    cancel: 'allow',
    meaning:
      'A hosted payment link is open. Its PSP events complete the session or return it to ready_for_payment; ' +
      'cancel first expires the link.',
  },
  expired: {
    terminal: true,
    emitted: true,
    expires: false,
    update: expired,
    complete: expired,
    cancel: notCancelable,
    meaning: 'Passed expires_at before payment.',
  },
} as const satisfies Record<CheckoutStatus, StatusRules>;

export function isTerminal(status: CheckoutStatus): boolean {
  return STATUS_RULES[status].terminal;
}

export const TERMINAL_STATUSES: readonly CheckoutStatus[] = CHECKOUT_STATUSES.filter(
  (s) => STATUS_RULES[s].terminal,
);

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
