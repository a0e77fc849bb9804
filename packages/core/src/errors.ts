// Protocol errors: one declared list of codes, each mapped to an ACP `Error.type` and an HTTP status in one
// table. Transports translate with `toWireError` / `httpStatusOf`; nothing else decides a status.
import type { Error as WireError } from './spec/2026-04-17/schemas.generated.js';

export type AcpErrorType = WireError['type'];

/** Every ACP error code this toolkit emits, with its `Error.type` and HTTP status. */
export const ACP_ERROR_CODES = {
  // 400: the request is malformed or not acceptable as sent
  invalid_request: { type: 'invalid_request', status: 400 },
  invalid: { type: 'invalid_request', status: 400 },
  invalid_json: { type: 'invalid_request', status: 400 },
  missing_api_version: { type: 'invalid_request', status: 400 },
  unsupported_api_version: { type: 'invalid_request', status: 400 },
  idempotency_key_required: { type: 'invalid_request', status: 400 },
  invalid_item_id: { type: 'invalid_request', status: 400 },
  unsupported_currency: { type: 'invalid_request', status: 400 },
  unsupported_payment_handler: { type: 'invalid_request', status: 400 },
  requires_3ds: { type: 'invalid_request', status: 400 },
  // 401 / 403: authentication and authorization (ACP has no dedicated type; mcp-binding uses invalid_request)
  unauthorized: { type: 'invalid_request', status: 401 },
  invalid_signature: { type: 'invalid_request', status: 401 },
  forbidden: { type: 'invalid_request', status: 403 },
  // 404 / 405
  not_found: { type: 'invalid_request', status: 404 },
  session_not_found: { type: 'invalid_request', status: 404 },
  order_not_found: { type: 'invalid_request', status: 404 },
  method_not_allowed: { type: 'invalid_request', status: 405 },
  session_not_cancelable: { type: 'invalid_request', status: 405 },
  // 409: state conflicts
  idempotency_in_flight: { type: 'invalid_request', status: 409 },
  session_completed: { type: 'invalid_request', status: 409 },
  session_canceled: { type: 'invalid_request', status: 409 },
  session_expired: { type: 'invalid_request', status: 409 },
  payment_in_progress: { type: 'invalid_request', status: 409 },
  session_not_payable: { type: 'invalid_request', status: 409 },
  concurrent_modification: { type: 'invalid_request', status: 409 },
  // 413 / 415 / 422 / 429
  request_too_large: { type: 'invalid_request', status: 413 },
  unsupported_media_type: { type: 'invalid_request', status: 415 },
  idempotency_conflict: { type: 'invalid_request', status: 422 },
  rate_limited: { type: 'invalid_request', status: 429 },
  // 5xx: never cached by idempotency
  internal_error: { type: 'processing_error', status: 500 },
  payment_processing_error: { type: 'processing_error', status: 502 },
  service_unavailable: { type: 'service_unavailable', status: 503 },
  payment_unavailable: { type: 'service_unavailable', status: 503 },
} as const satisfies Record<string, { type: AcpErrorType; status: number }>;

export type AcpErrorCode = keyof typeof ACP_ERROR_CODES;

const BRAND = Symbol.for('@acp/core.AcpError');

export interface AcpErrorOptions {
  /** RFC 9535 JSONPath of the offending input, e.g. `$.line_items[0].id`. */
  param?: string;
  retryAfterSeconds?: number;
  supportedVersions?: readonly string[];
  cause?: unknown;
}

/**
 * A protocol-level failure that maps to an ACP `Error` body. Check with `AcpError.isInstance(x)` (works
 * across duplicated package copies), not `instanceof`.
 */
export class AcpError extends Error {
  readonly [BRAND] = true;
  readonly code: AcpErrorCode;
  readonly type: AcpErrorType;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly supportedVersions: readonly string[] | undefined;

  constructor(code: AcpErrorCode, message: string, options: AcpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AcpError';
    this.code = code;
    this.type = ACP_ERROR_CODES[code].type;
    this.status = ACP_ERROR_CODES[code].status;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.supportedVersions = options.supportedVersions;
  }

  static isInstance(value: unknown): value is AcpError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  toWire(): WireError {
    return toWireError(this);
  }
}

export function httpStatusOf(code: AcpErrorCode): number {
  return ACP_ERROR_CODES[code].status;
}

/** The flat ACP `Error` body: `{type, code, message, param?, supported_versions?}`, nothing else. */
export function toWireError(error: AcpError): WireError {
  const body: WireError = { type: error.type, code: error.code, message: error.message };
  if (error.param !== undefined) body.param = error.param;
  if (error.supportedVersions !== undefined) body.supported_versions = [...error.supportedVersions];
  return body;
}

/** Any thrown value as an AcpError; unknown failures become a generic 500 without leaking details. */
export function asAcpError(error: unknown): AcpError {
  if (AcpError.isInstance(error)) return error;
  return new AcpError('internal_error', 'The merchant could not process this request. It is safe to retry.', {
    cause: error,
  });
}

/** JSON path segments (as zod reports them) to an RFC 9535 JSONPath string rooted at `root`. */
export function toJsonPath(path: readonly PropertyKey[], root = '$'): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)
        ? `.${s}`
        : `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
    }
  }
  return out;
}
