// The one error class of @acp/checkout: a declared code, the option path it is about, and for invalid options
// every problem at once. Checked with the branded `CheckoutError.isInstance` (works across package copies).
// Messages never quote a secret (keys, webhook secrets, database passwords).

export const CHECKOUT_ERROR_CODES = [
  /** One or more options are wrong: `issues` lists each, with its path. */
  'invalid_options',
  /** Stripe refused the secret key at start-up (invalid, revoked, or no access to the account). */
  'stripe_key_refused',
  /** The store needs a driver package that is not installed (`@acp/store-sqlite`, `@acp/store-postgres`). */
  'store_driver_missing',
  /** The store could not be opened (SQLite file, PostgreSQL server). */
  'store_unavailable',
] as const;
export type CheckoutErrorCode = (typeof CHECKOUT_ERROR_CODES)[number];

/** One problem with the options: where (`stripe.webhookSecret`, `products[2].unitAmount`) and what is expected. */
export interface CheckoutOptionIssue {
  path: string;
  message: string;
}

const BRAND = Symbol.for('@acp/checkout.CheckoutError');

export class CheckoutError extends TypeError {
  readonly code: CheckoutErrorCode;
  /** The option the error is about (the first issue's path for `invalid_options`). */
  readonly path: string | undefined;
  /** Every problem found (`invalid_options`); one entry otherwise. */
  readonly issues: readonly CheckoutOptionIssue[];

  constructor(
    code: CheckoutErrorCode,
    issues: readonly CheckoutOptionIssue[],
    options: { cause?: unknown; message?: string } = {},
  ) {
    super(
      options.message ??
        (code === 'invalid_options'
          ? `Invalid createCheckout options:\n${issues.map((i) => `  - ${i.path || '(options)'}: ${i.message}`).join('\n')}`
          : issues.map((i) => `${i.path}: ${i.message}`).join('\n')),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'CheckoutError';
    this.code = code;
    this.issues = issues;
    this.path = issues[0]?.path;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static isInstance(value: unknown): value is CheckoutError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
