// In-memory reference implementation of CheckoutStoreV1. Every method runs without an `await` between its
// reads and writes, so it is atomic in a single JS process. The rules (idempotency decision, keyset pages,
// refund ledger) are core's, shared with the SQL stores; this file only keeps rows.
//
// Rows are immutable objects, kept by reference: nothing is serialized or copied. What a commit stores is
// deep-frozen (only its parts not frozen already: a session version shares most of its parts with the
// previous one, so it costs its new parts), and reads return the stored objects themselves: nobody can change
// stored data through an object a read returned (the attempt throws). A replay record keeps what a replay
// needs: the status, the headers and, for an answer that renders the committed session, the function that
// renders it again from that (immutable, shared) session version rather than a copy of the body.
import type { OrderRecord, PaymentAttempt, StoredResponse } from '../domain.js';
import { applyRefundUpdate, type RefundUpdate } from '../engine/refunds.js';
import type {
  CheckoutStoreV1,
  CommitRequest,
  CommitResult,
  IdempotencyBegin,
  IdempotencyBeginResult,
  IdempotencyFinish,
  ListOptions,
  StoredSession,
} from '../ports.js';
import {
  clampPageLimit,
  compareKeyset,
  decideIdempotencyBegin,
  decodeKeysetCursor,
  type IdempotencyRecordState,
  idempotencyBeginResult,
  idempotencyRecordExpired,
  isoToMillis,
  type KeysetKey,
  keysetPage,
  lastAttemptPerId,
} from '../store-kit.js';
import { deepFreeze } from '../util/deep-freeze.js';

export interface MemoryStore extends CheckoutStoreV1 {
  /** Counts for tests and dashboards. */
  stats(): { sessions: number; orders: number; attempts: number; idempotencyRecords: number };
}

/** A stored session version: the object a read returns (immutable). */
interface SessionRow extends StoredSession {
  updatedAt: number;
}

interface OrderRow {
  record: OrderRecord;
  createdAt: number;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** An idempotency record; a finished one holds what a replay needs. */
class IdemRecord implements IdempotencyRecordState {
  state: 'in_flight' | 'done' = 'in_flight';
  status = 0;
  headers: Readonly<Record<string, string>> | undefined = undefined;
  body: unknown = undefined;
  render: (() => unknown) | undefined = undefined;
  /** The next record under the same key digest (another scope: another caller, method or path). */
  next: IdemRecord | undefined = undefined;
  constructor(
    public scope: string,
    public requestHash: string,
    public lockUntil: number,
    public expiresAt: number,
  ) {}
}

/**
 * Idempotency records by key digest, then scope: a digest (a flat string whose hash is computed once) is the map
 * key, and the rare records of the same key under other scopes are chained behind the first.
 */
class IdemTable {
  readonly #byKey = new Map<string, IdemRecord>();
  #size = 0;
  get size(): number {
    return this.#size;
  }
  get(scope: string, key: string): IdemRecord | undefined {
    for (let r = this.#byKey.get(key); r; r = r.next) if (r.scope === scope) return r;
    return undefined;
  }
  /** Puts `record` for (scope, key), replacing the record there. */
  set(key: string, record: IdemRecord): void {
    this.delete(record.scope, key);
    record.next = this.#byKey.get(key);
    this.#byKey.set(key, record);
    this.#size++;
  }
  delete(scope: string, key: string): boolean {
    let previous: IdemRecord | undefined;
    for (let r = this.#byKey.get(key); r; previous = r, r = r.next) {
      if (r.scope !== scope) continue;
      if (previous) previous.next = r.next;
      else if (r.next) this.#byKey.set(key, r.next);
      else this.#byKey.delete(key);
      this.#size--;
      return true;
    }
    return false;
  }
  /** Removes every record `expired` says so of; returns how many. */
  sweep(expired: (r: IdemRecord) => boolean): number {
    let removed = 0;
    for (const [key, head] of this.#byKey) {
      let kept: IdemRecord | undefined;
      let last: IdemRecord | undefined;
      for (let r: IdemRecord | undefined = head; r; ) {
        const next: IdemRecord | undefined = r.next;
        r.next = undefined;
        if (expired(r)) removed++;
        else if (last) last = last.next = r;
        else kept = last = r;
        r = next;
      }
      if (kept) this.#byKey.set(key, kept);
      else this.#byKey.delete(key);
    }
    this.#size -= removed;
    return removed;
  }
}

export interface MemoryStoreOptions {
  /**
   * Deep-freeze every stored object (sessions, orders, attempts, stored responses): code changing an object it
   * read from the store throws instead of changing stored data. Default true. `false` saves that CPU (a few
   * µs per commit) and is safe only when nothing changes what it reads (core never does).
   */
  freeze?: boolean;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const keep: <T>(value: T) => T = options.freeze === false ? (value) => value : deepFreeze;
  const sessions = new Map<string, SessionRow>();
  const orders = new Map<string, OrderRow>();
  const orderBySession = new Map<string, string>();
  const orderByPayment = new Map<string, string>();
  const attempts = new Map<string, PaymentAttempt>();
  const attemptsBySession = new Map<string, string[]>();
  const idem = new IdemTable();

  const orderById = (id: string | undefined): OrderRecord | null => {
    const o = id === undefined ? undefined : orders.get(id);
    return o ? o.record : null;
  };
  const toStored = (s: SessionRow): StoredSession => ({ state: s.state, version: s.version });

  /** The record `f` finishes, or undefined when it is gone or already finished (the first finish wins). */
  function recordToFinish(f: IdempotencyFinish): IdemRecord | undefined {
    const record = idem.get(f.scope, f.key);
    return record && record.state !== 'done' ? record : undefined;
  }

  function applyFinish(record: IdemRecord, f: IdempotencyFinish): void {
    const { status, headers } = f.response;
    record.state = 'done';
    record.status = status;
    // The headers and a body that is not a rendering are the answer's own objects: copied, so that a consumer
    // changing its answer never changes what a replay returns.
    record.headers = headers === undefined ? undefined : isEmpty(headers) ? NO_HEADERS : keep({ ...headers });
    if (f.renderBody) record.render = f.renderBody;
    else record.body = keep(structuredClone(f.response.body));
  }

  function replayOf(r: IdemRecord): StoredResponse {
    const body = r.render ? r.render() : structuredClone(r.body);
    return { status: r.status, body, ...(r.headers === undefined ? {} : { headers: { ...r.headers } }) };
  }

  return {
    version: 1,

    async getSession(id) {
      const s = sessions.get(id);
      return s ? toStored(s) : null;
    },

    async commit(req: CommitRequest): Promise<CommitResult> {
      const id = req.session.id;
      const current = sessions.get(id);
      if (req.expectedVersion === null ? current !== undefined : current?.version !== req.expectedVersion) {
        return { ok: false, reason: 'conflict' };
      }
      const o = req.order && !orderBySession.has(id) ? req.order : undefined;
      // What can throw (parsing times) runs before the first change: a commit applies whole or not at all.
      const updatedAt = isoToMillis(req.session.updatedAt);
      const orderCreatedAt = o ? isoToMillis(o.createdAt) : 0;
      const finishing = req.idempotency ? recordToFinish(req.idempotency) : undefined;
      const row: SessionRow = {
        state: keep(req.session),
        version: (current?.version ?? 0) + 1,
        updatedAt,
      };
      sessions.set(id, row);
      if (o) {
        orders.set(o.order.id, { record: keep(o), createdAt: orderCreatedAt });
        orderBySession.set(id, o.order.id);
        if (o.paymentId) orderByPayment.set(o.paymentId, o.order.id);
      }
      if (req.attempts?.length) {
        for (const a of lastAttemptPerId(req.attempts)) {
          attempts.set(a.id, keep(a));
          const ids = attemptsBySession.get(a.sessionId);
          if (!ids) attemptsBySession.set(a.sessionId, [a.id]);
          else if (!ids.includes(a.id)) ids.push(a.id);
        }
      }
      if (finishing) applyFinish(finishing, req.idempotency!);
      return { ok: true, version: row.version };
    },

    async getOrder(orderId) {
      return orderById(orderId);
    },
    async getOrderBySession(sessionId) {
      return orderById(orderBySession.get(sessionId));
    },
    async getOrderByPayment(paymentId) {
      return orderById(orderByPayment.get(paymentId));
    },

    async upsertOrderRefund(orderId: string, update: RefundUpdate, now: string) {
      // No await between the read and the write: atomic in one process.
      const o = orders.get(orderId);
      if (!o) return null;
      const r = applyRefundUpdate(o.record, update, now);
      if (r.changed) o.record = keep(r.record);
      return r;
    },

    async getPaymentAttempt(id) {
      return attempts.get(id) ?? null;
    },
    async listPaymentAttempts(sessionId) {
      return (attemptsBySession.get(sessionId) ?? [])
        .map((i) => attempts.get(i)!)
        .sort((a, b) => a.number - b.number);
    },

    async listSessions(filter) {
      const limit = clampPageLimit(filter.limit);
      const after = filter.cursor ? decodeKeysetCursor(filter.cursor) : undefined;
      const statuses = filter.statuses ? new Set(filter.statuses) : undefined;
      const rows: [KeysetKey, SessionRow][] = [];
      for (const [id, s] of sessions) {
        if (statuses && !statuses.has(s.state.status)) continue;
        const key: KeysetKey = [s.updatedAt, id];
        if (!after || compareKeyset(key, after) > 0) rows.push([key, s]);
      }
      rows.sort((a, b) => compareKeyset(a[0], b[0]));
      const { page, nextCursor } = keysetPage(rows.slice(0, limit + 1), limit, (r) => r[0]);
      return { sessions: page.map((r) => toStored(r[1])), ...(nextCursor ? { nextCursor } : {}) };
    },

    async listOrders(opts: ListOptions) {
      const limit = clampPageLimit(opts.limit);
      const after = opts.cursor ? decodeKeysetCursor(opts.cursor) : undefined;
      const rows: [KeysetKey, OrderRow][] = [];
      for (const [id, o] of orders) {
        const key: KeysetKey = [o.createdAt, id];
        if (!after || compareKeyset(key, after) < 0) rows.push([key, o]);
      }
      rows.sort((a, b) => compareKeyset(b[0], a[0])); // newest first
      const { page, nextCursor } = keysetPage(rows.slice(0, limit + 1), limit, (r) => r[0]);
      return { orders: page.map((r) => r[1].record), ...(nextCursor ? { nextCursor } : {}) };
    },

    async idempotencyBegin(req: IdempotencyBegin): Promise<IdempotencyBeginResult> {
      const existing = idem.get(req.scope, req.key);
      const decision = decideIdempotencyBegin(existing, req);
      if (decision.kind === 'start') {
        const { requestHash, lockUntil, expiresAt } = decision.record;
        idem.set(req.key, new IdemRecord(req.scope, requestHash, lockUntil, expiresAt));
      } else if (decision.kind === 'take_over') {
        existing!.lockUntil = decision.lockUntil;
      }
      return idempotencyBeginResult(decision, () => replayOf(existing!));
    },

    async idempotencyFinish(f) {
      const record = recordToFinish(f);
      if (record) applyFinish(record, f);
    },

    async idempotencyRelease(scope, key) {
      if (idem.get(scope, key)?.state === 'in_flight') idem.delete(scope, key);
    },

    async idempotencySweep(now) {
      const t = isoToMillis(now);
      return idem.sweep((r) => idempotencyRecordExpired(r.expiresAt, t));
    },

    stats() {
      return {
        sessions: sessions.size,
        orders: orders.size,
        attempts: attempts.size,
        idempotencyRecords: idem.size,
      };
    },
  };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
