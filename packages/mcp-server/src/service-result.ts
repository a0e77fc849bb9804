// The one place this package reads a `CheckoutService` result (core's tagged union).
import type { ServiceResult, AcpWireError as WireError } from '@acp/core';

/** A service answer as this package uses it: the value, or the flat ACP error to report. */
export type ServiceOutcome<T> =
  | { ok: true; status: number; value: T; replayed: boolean }
  | { ok: false; status: number; error: WireError };

export function fromServiceResult<T>(r: ServiceResult<T>): ServiceOutcome<T> {
  return r.ok
    ? { ok: true, status: r.status, value: r.value, replayed: r.replayed }
    : { ok: false, status: r.status, error: r.error };
}
