// Every error the emulator answers, in Stripe's envelope `{"error": {type, code, decline_code, message, param,
// payment_intent, charge, doc_url}}` with Stripe's statuses (https://docs.stripe.com/api/errors).
import type { Decline } from './cards.js';
import type { Json } from './state.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
    /** Saved under the idempotency key (false for parameter validation errors, as Stripe does). */
    readonly save: boolean,
  ) {
    super(String(body.message ?? 'error'));
  }
}

/** The JSON body of an error answer. */
export const errorEnvelope = (e: ApiError): string =>
  JSON.stringify({ error: { ...e.body, request_log_url: null } }, null, 2);

export const invalid = (message: string, param?: string, code?: string, save = false): ApiError =>
  new ApiError(
    400,
    {
      type: 'invalid_request_error',
      message,
      ...(param ? { param } : {}),
      ...(code ? { code } : {}),
    },
    save,
  );

export const missingParam = (param: string): ApiError =>
  invalid(`Missing required param: ${param}.`, param, 'parameter_missing');

export const missing = (kind: string, id: string, param = 'id'): ApiError =>
  new ApiError(
    404,
    { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` },
    false,
  );

/** Anything the emulator did not expect: a 500 that is not saved. */
export const unexpected = (message = 'The emulator failed unexpectedly.'): ApiError =>
  new ApiError(500, { type: 'api_error', message }, false);

export const RAW_CARD_REFUSAL =
  'Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. To enable raw card data APIs in test mode, see https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.';

/** The body of a card error (402) for a decline, as Stripe words it (https://docs.stripe.com/error-codes). */
export const declineBody = (d: Decline, chargeId: string | null): Json => ({
  type: 'card_error',
  code: d.code,
  ...(d.declineCode ? { decline_code: d.declineCode } : {}),
  message: d.message,
  ...(chargeId ? { charge: chargeId } : {}),
  doc_url: `https://stripe.com/docs/error-codes/${d.code.replace(/_/g, '-')}`,
});

// ------------------------------------------------------------------------------------------ keys

export const noApiKey = (): ApiError =>
  new ApiError(
    401,
    {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    },
    false,
  );

export const wrongModeKey = (): ApiError =>
  new ApiError(
    401,
    {
      type: 'invalid_request_error',
      code: 'api_key_expired',
      message:
        'Invalid API Key provided: the Stripe emulator accepts test mode keys (sk_test_…, rk_test_…) only.',
    },
    false,
  );

/** Stripe names an unknown key only by its last four characters. */
export const unknownApiKey = (key: string): ApiError =>
  new ApiError(
    401,
    {
      type: 'invalid_request_error',
      message: `Invalid API Key provided: ${key.slice(0, key.indexOf('_', 3) + 1)}****${key.slice(-4)}`,
    },
    false,
  );

export const unrecognizedUrl = (method: string, path: string): ApiError =>
  new ApiError(
    404,
    {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). The Stripe emulator implements a subset of the Stripe API; see its README.`,
    },
    false,
  );

// ------------------------------------------------------------------------------------------ idempotency

export const idempotencyMismatch = (key: string): ApiError =>
  new ApiError(
    400,
    {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    },
    false,
  );

export const idempotencyKeyInUse = (key: string): ApiError =>
  new ApiError(
    409,
    {
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      message:
        'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' +
        key +
        '. Please try again later.',
    },
    false,
  );

// ------------------------------------------------------------------------------------------ SPT limits

export interface SptLimitViolation {
  reason: 'not_found' | 'expired' | 'deactivated' | 'currency_mismatch' | 'amount_exceeds_max';
  tokenId: string;
}

export interface EmulatedError {
  status: number;
  type: string;
  code?: string;
  message: string;
  param?: string;
}

const SPT_LIMIT_MESSAGES: Record<Exclude<SptLimitViolation['reason'], 'not_found'>, string> = {
  expired: 'This SharedPaymentToken has expired and can no longer be used to confirm a PaymentIntent.',
  deactivated: 'This SharedPaymentToken has been deactivated and can no longer be used.',
  currency_mismatch: "The PaymentIntent's currency does not match this SharedPaymentToken's usage limits.",
  amount_exceeds_max: "The PaymentIntent's amount exceeds this SharedPaymentToken's max_amount.",
};

/**
 * Emulator reading: Stripe does not document SPT limit errors (stripe.md §1.4). An unusable token is a 400
 * `invalid_request_error` with code `shared_payment_granted_token_unusable`; an unknown one a 404.
 */
export function defaultSptLimitError(v: SptLimitViolation): EmulatedError {
  return {
    status: v.reason === 'not_found' ? 404 : 400,
    type: 'invalid_request_error',
    code: v.reason === 'not_found' ? 'resource_missing' : 'shared_payment_granted_token_unusable',
    param: 'payment_method_data[shared_payment_granted_token]',
    message:
      v.reason === 'not_found'
        ? `No such shared_payment_granted_token: '${v.tokenId}'`
        : SPT_LIMIT_MESSAGES[v.reason],
  };
}

/** An `sptLimitError` answer as an API error, saved under the key (execution began). */
export const fromEmulated = (e: EmulatedError, param: string): ApiError =>
  new ApiError(
    e.status,
    { type: e.type, message: e.message, param: e.param ?? param, ...(e.code ? { code: e.code } : {}) },
    true,
  );
