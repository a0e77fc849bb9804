// What the service answers: `{ status, body, headers, replayed }`, built in one place, and the rule that
// decides which answers are outcomes (stored for idempotent replay) and which say "retry later".
import { AcpError, asAcpError, toWireError } from '../errors.js';
import type { CheckoutSession, Error as WireError } from '../spec/2026-04-17/schemas.generated.js';

export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

interface ServiceAnswer {
  /** HTTP status (REST) of the answer; the MCP binding maps it to a result or a JSON-RPC error. */
  status: number;
  headers: Record<string, string>;
  /** True when this is a stored response replayed for a repeated idempotency key. */
  replayed: boolean;
  /** `JSON.stringify(body)`, when the service has it already (a cached rendering): send it as is. */
  text?: string;
}

/**
 * A service answer, tagged: `ok` with the typed `value`, or not `ok` with the flat ACP `error`. `body` is the
 * wire body either way (the value or the error), for transports that send it as is.
 */
export type ServiceResult<T = CheckoutSession> =
  | (ServiceAnswer & { ok: true; value: T; body: T })
  | (ServiceAnswer & { ok: false; error: WireError; body: WireError });

export type ServiceOk<T> = Extract<ServiceResult<T>, { ok: true }>;

export function isErrorResult<T>(r: ServiceResult<T>): r is Extract<ServiceResult<T>, { ok: false }> {
  return !r.ok;
}

/**
 * An answer. A class only to carry, invisibly (a private field: not enumerable, not serialized, not compared by
 * `toEqual`), how its body was rendered, when it renders immutable objects (`renderOf`).
 */
class Answer {
  declare readonly ok: boolean;
  declare readonly status: number;
  declare readonly value?: unknown;
  declare readonly error?: WireError;
  declare readonly body: unknown;
  declare readonly headers: Record<string, string>;
  declare readonly replayed: boolean;
  readonly #render: (() => unknown) | undefined;
  constructor(
    status: number,
    body: unknown,
    headers: Record<string, string>,
    replayed: boolean,
    render: (() => unknown) | undefined,
  ) {
    const self = this as { -readonly [K in keyof Answer]: Answer[K] };
    self.ok = status < 400;
    self.status = status;
    if (status < 400) self.value = body;
    else self.error = body as WireError;
    self.body = body;
    self.headers = headers;
    self.replayed = replayed;
    this.#render = render;
  }
  static renderOf(r: unknown): (() => unknown) | undefined {
    return r instanceof Answer ? r.#render : undefined;
  }
}

/**
 * The one constructor of an answer: 2xx/3xx are values, 4xx/5xx flat ACP errors. `render`, when the body renders
 * objects that never change: renders it again (an idempotency record may keep that instead of the body).
 */
export function answer<T>(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  replayed = false,
  render?: () => unknown,
): ServiceResult<T> {
  return new Answer(status, body, headers, replayed, render) as unknown as ServiceResult<T>;
}

/** How `result`'s body was rendered, when `answer` was given that (see `answer`). */
export const renderOf = (result: ServiceResult<unknown>): (() => unknown) | undefined =>
  Answer.renderOf(result);

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ServiceResult<never> {
  return answer<never>(status, body, headers);
}

/** The one mapping of a thrown or returned error to an answer (5xx logged, Retry-After set). */
export function errorResult(e: unknown, logger?: Logger): ServiceResult<never> {
  const err = asAcpError(e);
  if (err.status >= 500) logger?.error('request failed', { code: err.code, cause: describeCause(err.cause) });
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return json(err.status, toWireError(err), headers);
}

/**
 * Answers that tell the caller to retry later are not the outcome of the request: like 5xx they are never
 * stored under its idempotency key, so a retry with the same key gets the real outcome.
 */
const RETRY_LATER_CODES = new Set([
  'payment_in_progress',
  'concurrent_modification',
  'idempotency_in_flight',
]);
export function isRetryLater(r: ServiceResult<unknown>): boolean {
  if (r.status >= 500 || r.status === 429) return true;
  return !r.ok && r.status === 409 && RETRY_LATER_CODES.has(r.error.code);
}

export const concurrentModification = (what = 'retry the request') =>
  new AcpError('concurrent_modification', `The checkout session changed concurrently; ${what}.`, {
    retryAfterSeconds: 1,
  });

export function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
