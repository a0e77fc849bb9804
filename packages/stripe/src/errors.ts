// The one error class of @acp/stripe. Checked with `StripeAdapterError.isInstance(e)` (a `Symbol.for`
// brand), which works across duplicated package copies where `instanceof` does not. Messages never contain
// card data.

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
