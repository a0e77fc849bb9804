// Errors, both ways. `StripeAdapterError` is the one error class of @acp/stripe, checked with
// `StripeAdapterError.isInstance(e)` (a `Symbol.for` brand), which works across duplicated package copies
// where `instanceof` does not. Below it, the one table from what stripe-node throws to core's gateway
// results: `classifyError` sorts an error into a class, and one function per operation turns the class into
// that operation's result. Messages never contain card data.
import type { ChargeResult, PaymentLinkResult, RefundResult } from '@acp/core';
import Stripe from 'stripe';
import type { GatewayLogger } from './gateway.js';
import {
  blockedByRadar,
  DECLINE_MESSAGES,
  declineMessage,
  type TokenProblem,
  tokenUnusable,
} from './outcomes.js';

const MARKER = Symbol.for('@acp/stripe/StripeAdapterError');

export type StripeAdapterErrorCode =
  /** A test-only function was used with a live key (`sk_live_`, `rk_live_`) or a key that is not a test key. */
  | 'live_mode_forbidden'
  /** Raw card numbers are disabled (the default). */
  | 'raw_cards_disabled'
  /** Invalid input (a field is missing or malformed); `param` names it. */
  | 'invalid_argument'
  /** Stripe refused the card (test card creation): `stripeCode` says why. */
  | 'card_rejected'
  /** A Stripe request failed (network, 5xx, 4xx); `retryable` says whether a retry may help. */
  | 'stripe_request_failed'
  /** A webhook was not signed by Stripe with the configured secret. */
  | 'signature_verification_failed';

export class StripeAdapterError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'StripeAdapterError';
  readonly code: StripeAdapterErrorCode;
  /** The input that is wrong, as a dotted path (e.g. `card.number`). */
  readonly param?: string;
  /** Stripe's error code, when Stripe answered (e.g. `incorrect_number`). */
  readonly stripeCode?: string;
  readonly retryable: boolean;

  constructor(
    code: StripeAdapterErrorCode,
    message: string,
    options: { param?: string; stripeCode?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.param !== undefined) this.param = options.param;
    if (options.stripeCode !== undefined) this.stripeCode = options.stripeCode;
    this.retryable = options.retryable ?? false;
  }

  static isInstance(value: unknown): value is StripeAdapterError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

// ------------------------------------------------------------------------------------------ classes

export type ErrorClass =
  | { kind: 'card'; result: ChargeResult }
  | { kind: 'invalid'; code: string | undefined; param: string | undefined; paymentId?: string }
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  | { kind: 'network' }
  | { kind: 'server' }
  | { kind: 'idempotency' }
  | { kind: 'auth' }
  | { kind: 'unknown' };

/** Classifies anything stripe-node throws (stripe.md §8). */
export function classifyError(e: unknown): ErrorClass {
  if (!(e instanceof Stripe.errors.StripeError)) return { kind: 'unknown' };
  if (e instanceof Stripe.errors.StripeCardError) {
    const pi = e.payment_intent;
    // `error_on_requires_action` failures: `authentication_required` (https://docs.stripe.com/error-codes);
    // older material names the Dashboard reason `requires_action_not_handled`.
    const code =
      e.code === 'requires_action_not_handled' ? 'authentication_required' : e.code || 'card_declined';
    const declineCode = e.decline_code || undefined;
    return {
      kind: 'card',
      result: {
        status: 'declined',
        code,
        ...(declineCode ? { declineCode } : {}),
        message: declineMessage(code, declineCode, blockedByRadar(pi)),
        ...(pi?.id ? { paymentId: pi.id } : {}),
      },
    };
  }
  if (e instanceof Stripe.errors.StripeRateLimitError) {
    const header = e.headers?.['retry-after'];
    const seconds = header ? Number(header) : Number.NaN;
    return { kind: 'rate_limited', ...(Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {}) };
  }
  if (e instanceof Stripe.errors.StripeIdempotencyError) return { kind: 'idempotency' };
  if (e instanceof Stripe.errors.StripeInvalidRequestError) {
    const pi = e.payment_intent;
    return { kind: 'invalid', code: e.code, param: e.param, ...(pi?.id ? { paymentId: pi.id } : {}) };
  }
  if (e instanceof Stripe.errors.StripeConnectionError) return { kind: 'network' };
  if (
    e instanceof Stripe.errors.StripeAuthenticationError ||
    e instanceof Stripe.errors.StripePermissionError
  ) {
    return { kind: 'auth' };
  }
  // A 5xx (Stripe saves it under the idempotency key and replays it, stripe.md §5.1). A 409 (a concurrent
  // request with the same key) or 424 is also a StripeAPIError but is not saved: an unknown outcome.
  if (e instanceof Stripe.errors.StripeAPIError) {
    return (e.statusCode ?? 500) >= 500 ? { kind: 'server' } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** Stripe does not know the object under this key (400 `resource_missing`). */
export const isResourceMissing = (c: ErrorClass): boolean =>
  c.kind === 'invalid' && c.code === 'resource_missing';

/** Stripe's error code on anything thrown (a string `code` property), else undefined. */
export function stripeCodeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

// ------------------------------------------------------------------------------------------ results

export type RetryableFailure = Extract<ChargeResult, { status: 'retryable_failure' }>;

const RETRYABLE = {
  rate_limited: { reason: 'rate_limited', message: 'The payment provider is rate limiting requests.' },
  network: { reason: 'network', message: 'The payment provider could not be reached.' },
  server: { reason: 'server_error', message: 'The payment provider had an error.' },
  unknown: { reason: 'unknown', message: 'The payment outcome is unknown.' },
} as const;

/** A failure a retry may fix (Stripe unavailable, rate limited, or an unknown outcome). */
export function retryableFailure(c: ErrorClass, paymentId?: string): RetryableFailure {
  const kind = c.kind === 'rate_limited' || c.kind === 'network' || c.kind === 'server' ? c.kind : 'unknown';
  return {
    status: 'retryable_failure',
    ...RETRYABLE[kind],
    ...(c.kind === 'rate_limited' ? { retryAfterSeconds: c.retryAfterSeconds ?? 1 } : {}),
    ...(paymentId ? { paymentId } : {}),
  };
}

/** Which problem a 400 on the token (unknown token, or one Stripe refuses) says the SPT has. */
const refusedTokenProblem = (code: string | undefined, consumedBefore: boolean): TokenProblem =>
  code === 'resource_missing' ? 'not_found' : consumedBefore ? 'consumed' : 'deactivated';

/**
 * A charge (PaymentIntent create or 3DS confirm) that threw. `consumedBefore`: the token was already
 * consumed or partly captured when the charge was sent, so a refusal reads as `consumed`.
 */
export function chargeFailure(
  e: unknown,
  logger: GatewayLogger | undefined,
  context: { consumedBefore?: boolean } = {},
): ChargeResult {
  const c = classifyError(e);
  switch (c.kind) {
    case 'card':
      return c.result;
    case 'invalid': {
      // A 400 moved no money. On the SPT parameter (or an unknown token) it means the token cannot pay.
      const onToken = (c.param ?? '').includes('shared_payment') || c.code === 'resource_missing';
      if (onToken)
        return tokenUnusable(refusedTokenProblem(c.code, context.consumedBefore ?? false), c.paymentId);
      logger?.warn('Stripe refused the charge request', { code: c.code, param: c.param });
      return {
        status: 'declined',
        code: c.code ?? 'invalid_request',
        message: 'The payment could not be processed. Please try again or use a different payment method.',
        ...(c.paymentId ? { paymentId: c.paymentId } : {}),
      };
    }
    case 'idempotency':
      // Our key was reused with other parameters (e.g. a deploy changed a parameter between two sends): the
      // request did not execute, and the key still holds the first execution's saved answer (a payment may
      // exist). Keep the attempt pending so that reconcile looks it up instead of risking a second charge;
      // `key_conflict` tells core the send did not execute (a saved-5xx mark stays: see core README 16).
      logger?.error?.('Stripe idempotency_error on a charge: the key was reused with different parameters');
      return {
        status: 'retryable_failure',
        reason: 'key_conflict',
        message: 'The payment provider refused a retry with changed parameters; confirming the first one.',
      };
    case 'auth':
      logger?.error?.('Stripe rejected the API key (authentication/permission error)');
      return retryableFailure(c);
    default:
      return retryableFailure(c);
  }
}

/** Retrieving the granted token before a charge threw. */
export function tokenLookupFailure(e: unknown, logger: GatewayLogger | undefined): ChargeResult {
  const c = classifyError(e);
  if (c.kind === 'invalid') return tokenUnusable(refusedTokenProblem(c.code, false));
  // Not SPT-shaped (`spt.ts` refuses to put it in a URL path).
  if (c.kind === 'unknown' && e instanceof TypeError) return tokenUnusable('not_found');
  return chargeFailure(e, logger);
}

/** The 3DS confirm of `paymentId` threw: a failed authentication is a decline of that PaymentIntent. */
export function confirmFailure(
  e: unknown,
  paymentId: string,
  logger: GatewayLogger | undefined,
): ChargeResult {
  const c = classifyError(e);
  if (c.kind === 'invalid' && c.code === 'payment_intent_authentication_failure') {
    return {
      status: 'declined',
      code: 'payment_intent_authentication_failure',
      message: DECLINE_MESSAGES.payment_intent_authentication_failure!,
      paymentId,
    };
  }
  return chargeFailure(e, logger);
}

/** Canceling a PaymentIntent threw. */
export function cancelFailure(e: unknown): {
  status: 'not_cancelable' | 'retryable_failure';
  message?: string;
} {
  // Already succeeded/canceled (payment_intent_unexpected_state) or unknown: nothing left to cancel.
  if (classifyError(e).kind === 'invalid') return { status: 'not_cancelable' };
  return { status: 'retryable_failure', message: 'Stripe could not cancel the PaymentIntent; retry.' };
}

/**
 * Creating a Checkout Session threw. Retryable classes become a `retryable_failure` (a `server_error` makes
 * core drop the attempt: Stripe replays a saved 5xx under its key); anything else throws
 * `StripeAdapterError` (`stripe_request_failed`).
 */
export function linkCreateFailure(
  e: unknown,
  attemptId: string,
  logger: GatewayLogger | undefined,
): PaymentLinkResult {
  const c = classifyError(e);
  if (c.kind === 'idempotency') {
    // The key was used with other parameters: nobody has a link under it. Core drops the attempt and
    // retries at once with a new key (never a misleading "retry to get the link" for 24 h).
    logger?.error?.('Stripe idempotency_error on a Checkout Session create: the key is abandoned', {
      attemptId,
    });
    return {
      status: 'retryable_failure',
      reason: 'key_conflict',
      message: 'The payment link request conflicted with an earlier one; retry.',
    };
  }
  if (c.kind === 'network' || c.kind === 'server' || c.kind === 'rate_limited') return retryableFailure(c);
  if (StripeAdapterError.isInstance(e)) throw e;
  const stripeCode = e instanceof Error ? stripeCodeOf(e) : undefined;
  throw new StripeAdapterError('stripe_request_failed', 'Stripe refused to create the Checkout Session.', {
    ...(stripeCode ? { stripeCode } : {}),
    cause: e,
  });
}

/**
 * Reading or expiring a Checkout Session threw: unknown for now, never "expired". On `resource_missing`
 * Stripe does not know the id under THIS key (another account, a restricted key, a transient error) while
 * the hosted page may still be paid, so the link stays open; that is logged as a configuration error.
 */
export function linkLookupFailure(
  e: unknown,
  linkId: string,
  message: string,
  logger: GatewayLogger | undefined,
): { status: 'retryable_failure'; message: string } {
  if (isResourceMissing(classifyError(e))) {
    logger?.error?.('Stripe does not know a payment link (resource_missing): check the API key/account', {
      linkId,
    });
  }
  return { status: 'retryable_failure', message };
}

/** A refund create threw: a 400 is final (with the reason when Stripe gives one), anything else retryable. */
export function refundFailure(e: unknown): RefundResult {
  const c = classifyError(e);
  if (c.kind === 'invalid') {
    const message =
      c.code === 'charge_already_refunded'
        ? 'The payment has already been fully refunded.'
        : c.code === 'amount_too_large'
          ? 'The refund is larger than the amount left to refund.'
          : 'The payment provider refused the refund.';
    return { status: 'failed', message, retryable: false };
  }
  return {
    status: 'failed',
    message: 'The payment provider is unavailable; retry the refund.',
    retryable: true,
  };
}
