// ACP idempotency (rfc.agentic_checkout §6) around a POST: the key is required (or optional on the MCP
// binding); a repeat with the same body replays the stored response; a different body is 422; a concurrent
// duplicate is 409; answers that say "retry later" are never stored.
import type { StoredResponse } from '../domain.js';
import { AcpError } from '../errors.js';
import { containsPan, redactPans } from '../pan.js';
import type { CheckoutStoreV1, Clock, IdempotencyFinish, Sha256Hex } from '../ports.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex } from '../util/sha256.js';
import { isoOf, millisOf } from '../util/time.js';
import { checkApiVersion } from '../versions.js';
import {
  answer,
  describeCause,
  errorResult,
  isRetryLater,
  type Logger,
  renderOf,
  type ServiceResult,
} from './results.js';
import type { RequestContext } from './types.js';

/** Where a request's idempotency record lives: `caller METHOD path` and the digest of its key. */
export interface IdemRef {
  scope: string;
  key: string;
}

/** What a guarded operation returns: its answer, and whether it stored it itself in its final commit. */
export interface Guarded<T> {
  result: ServiceResult<T>;
  stored: boolean;
}

const REPLAYED = 'idempotent-replayed';

const toStored = (r: ServiceResult<unknown>): StoredResponse => ({
  status: r.status,
  body: r.body,
  headers:
    REPLAYED in r.headers
      ? Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== REPLAYED))
      : r.headers,
});

/** What finishes `idem` with `response`: the response, and how to render its body again when it can. */
export function finishOf(idem: IdemRef, response: ServiceResult<unknown>): IdempotencyFinish {
  const finish: IdempotencyFinish = { scope: idem.scope, key: idem.key, response: toStored(response) };
  const renderBody = renderOf(response);
  // Not enumerable: a store that copies or posts what it is given (structuredClone, a worker) never sees it.
  if (renderBody) Object.defineProperty(finish, 'renderBody', { value: renderBody, enumerable: false });
  return finish;
}

/** The idempotency record to finish inside a commit, or nothing when the answer says "retry later". */
export const finishWith = (idem: IdemRef | undefined, response: ServiceResult<unknown>) =>
  idem && !isRetryLater(response) ? finishOf(idem, response) : undefined;

export function createIdempotency(deps: {
  store: CheckoutStoreV1;
  clock: Clock;
  logger: Logger | undefined;
  ttlSeconds: number;
  lockSeconds: number;
  digest: Sha256Hex | undefined;
}) {
  const { store, clock, logger } = deps;
  const digest = deps.digest ?? sha256Hex;
  const fail = (e: unknown) => errorResult(e, logger);

  /** Digest of a request's scope and key: the attempt it starts remembers it (only it takes the outcome). */
  const requestKeyOf = (idem: IdemRef | undefined) =>
    idem ? digest(`${idem.scope}\n${idem.key}`) : undefined;

  /**
   * Runs a POST under the ACP idempotency rules. `run` may store the response itself inside its final
   * commit (same transaction) and then returns `stored: true`.
   */
  async function idempotent<T>(
    method: string,
    path: string,
    body: unknown,
    ctx: RequestContext,
    run: (idem: IdemRef | undefined) => Promise<Guarded<T>>,
  ): Promise<ServiceResult<T>> {
    const versionError = checkApiVersion(ctx.apiVersion);
    if (versionError) return fail(versionError);
    const key = ctx.idempotencyKey;
    if ((key === undefined || key === '') && ctx.idempotency === 'optional') {
      // No replay protection was asked for: run once, recording nothing.
      try {
        return (await run(undefined)).result;
      } catch (e) {
        return fail(e);
      }
    }
    if (key === undefined || key === '') {
      return fail(
        new AcpError('idempotency_key_required', 'An Idempotency-Key is required on every POST request.'),
      );
    }
    if (key.length > 255) {
      return fail(
        new AcpError('invalid_request', 'The Idempotency-Key must be at most 255 characters.', {
          param: '$.idempotency_key',
        }),
      );
    }
    // Core never issues a session id that reads as a card number (createSession), so such an id is unknown:
    // answered before anything (its idempotency scope included) is stored.
    if (containsPan(path)) {
      return fail(new AcpError('session_not_found', 'No checkout session with this id.', { param: '$.id' }));
    }
    // Only a digest of the key is stored (a key may hold anything a client put there, a card number too). A
    // plain SHA-256 of a card number is reversed by trying the 10^6 middle digits, so card numbers in a key are
    // removed before hashing (keys differing only there share one record); an ordinary key is hashed as is.
    const idem: IdemRef = { scope: `${ctx.caller} ${method} ${path}`, key: digest(redactPans(key)) };
    let requestHash: string;
    try {
      requestHash = digest(canonicalJson(body === undefined ? null : body));
    } catch {
      return fail(new AcpError('invalid_request', 'The request body is not valid JSON.'));
    }
    const now = clock.now().getTime();
    const begun = await store.idempotencyBegin({
      ...idem,
      requestHash,
      now: isoOf(now),
      lockUntil: isoOf(now + deps.lockSeconds * 1000),
      expiresAt: isoOf(now + deps.ttlSeconds * 1000),
    });
    switch (begun.kind) {
      case 'replay':
        return answer<T>(
          begun.response.status,
          begun.response.body,
          { ...(begun.response.headers ?? {}), 'idempotent-replayed': 'true' },
          true,
        );
      case 'conflict':
        return fail(
          new AcpError(
            'idempotency_conflict',
            'This Idempotency-Key was already used with a different request body.',
          ),
        );
      case 'in_flight': {
        const wait = Math.max(1, Math.ceil((millisOf(begun.lockUntil) - now) / 1000));
        return fail(
          new AcpError(
            'idempotency_in_flight',
            'A request with this Idempotency-Key is still being processed.',
            {
              retryAfterSeconds: Math.min(wait, 5),
            },
          ),
        );
      }
      case 'started':
        break;
    }
    let outcome: Guarded<T>;
    try {
      outcome = await run(idem);
    } catch (e) {
      outcome = { result: fail(e), stored: false };
    }
    const { result } = outcome;
    try {
      if (isRetryLater(result)) await store.idempotencyRelease(idem.scope, idem.key);
      else if (!outcome.stored) await store.idempotencyFinish(finishOf(idem, result));
    } catch (e) {
      logger?.warn('could not record idempotent response', { cause: describeCause(e) });
    }
    return result;
  }

  return { idempotent, requestKeyOf };
}
