// The one place this package reads a `CheckoutService` result. Every tool goes through `fromServiceResult`, so
// when core's result becomes the tagged union below, this function is the only edit.
import { isErrorResult, type ServiceResult, type AcpWireError as WireError } from '@acp/core';

/** A service answer as this package uses it: the value, or the flat ACP error to report. */
export type ServiceOutcome<T> =
  | { ok: true; status: number; value: T; replayed: boolean }
  | { ok: false; status: number; error: WireError };

export function fromServiceResult<T>(r: ServiceResult<T>): ServiceOutcome<T> {
  if (isErrorResult(r)) return { ok: false, status: r.status, error: r.body };
  return { ok: true, status: r.status, value: r.body as T, replayed: r.replayed };
}
