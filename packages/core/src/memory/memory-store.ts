// In-memory reference implementation of CheckoutStoreV1. Every method runs without an `await` between its
// reads and writes, so it is atomic in a single JS process. The rules (idempotency decision, keyset pages,
// refund ledger) are core's, shared with the SQL stores; this file only keeps rows.
//
// Rows are kept as JSON text, as a database would: a caller can never mutate stored data through a returned
// object, and text is far smaller than object graphs. Sessions, orders and stored responses are packed
// (`packed-json.ts`): what several records hold alike (a session's line items in its four idempotent
// responses, the wire order in the completion response and in the order record, the handler config in every
// session) is kept once. A completed session with its idempotency records takes a few KB.
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
import { createJsonPool, createPlainJsonPool, type PackedJson } from './packed-json.js';

export interface MemoryStore extends CheckoutStoreV1 {
  /** Counts for tests and dashboards. */
  stats(): { sessions: number; orders: number; attempts: number; idempotencyRecords: number };
}

interface SessionRow {
  state: PackedJson;
  version: number;
  status: string;
  updatedAt: number;
}

interface OrderRow {
  record: PackedJson;
  sessionId: string;
  createdAt: number;
}

interface AttemptRow {
  json: string;
  number: number;
}

/** An idempotency record; a finished one holds what a replay needs (status, headers text, packed body). */
class IdemRecord implements IdempotencyRecordState {
  state: 'in_flight' | 'done' = 'in_flight';
  status = 0;
  headers: string | undefined = undefined;
  body: PackedJson | undefined = undefined;
  constructor(
    public requestHash: string,
    public lockUntil: number,
    public expiresAt: number,
  ) {}
}

const EMPTY_OBJECT_TEXT = '{}';

export interface MemoryStoreOptions {
  /**
   * `true` (default): rows are kept as packed JSON whose common parts are shared between records (a completed
   * session with its idempotency records takes about a third of the memory). `false`: each row is one JSON text
   * (less CPU per write, more memory).
   */
  packed?: boolean;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const pool = options.packed === false ? createPlainJsonPool() : createJsonPool();
  const sessions = new Map<string, SessionRow>();
  const orders = new Map<string, OrderRow>();
  const orderBySession = new Map<string, string>();
  const orderByPayment = new Map<string, string>();
  const attempts = new Map<string, AttemptRow>();
  const attemptsBySession = new Map<string, string[]>();
  const idem = new Map<string, IdemRecord>();
  // Joined, not concatenated: one flat string per record rather than a rope of its pieces.
  const idemKey = (scope: string, key: string) => [scope, key].join('\u0000');

  const parse = <T>(packed: PackedJson): T => JSON.parse(pool.text(packed)) as T;
  const toStored = (s: SessionRow): StoredSession => ({
    state: parse<StoredSession['state']>(s.state),
    version: s.version,
  });
  const orderById = (id: string | undefined): OrderRecord | null => {
    const o = id === undefined ? undefined : orders.get(id);
    return o ? parse<OrderRecord>(o.record) : null;
  };

  /** A finished response, ready to store: what a replay needs (status, headers text, packed body). */
  interface Finished {
    record: IdemRecord;
    status: number;
    headers: string | undefined;
    body: PackedJson | undefined;
  }

  /** Packs a response for its record (nothing changes yet); undefined when the record is gone. */
  function prepareFinish(f: IdempotencyFinish): Finished | undefined {
    const record = idem.get(idemKey(f.scope, f.key));
    // The first finish wins: a second owner (after a take-over) never replaces the answer already given.
    if (!record || record.state === 'done') return undefined;
    const { status, body, headers } = f.response;
    const headersText = headers === undefined ? undefined : JSON.stringify(headers);
    return {
      record,
      status,
      headers: headersText === EMPTY_OBJECT_TEXT ? EMPTY_OBJECT_TEXT : headersText,
      body: body === undefined ? undefined : pool.pack(body),
    };
  }

  function applyFinish({ record, status, headers, body }: Finished): void {
    if (record.body) pool.release(record.body);
    record.state = 'done';
    record.status = status;
    record.headers = headers;
    record.body = body;
  }

  function replayOf(r: IdemRecord): StoredResponse {
    const text = r.body ? pool.text(r.body) : '';
    const body = text === '' ? undefined : (JSON.parse(text) as unknown);
    return {
      status: r.status,
      body,
      ...(r.headers === undefined ? {} : { headers: JSON.parse(r.headers) as Record<string, string> }),
    };
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
      // Everything that can throw (serializing, parsing times) happens before the first change: a commit
      // applies whole or not at all.
      const packed: PackedJson[] = [];
      const hold = (p: PackedJson) => {
        packed.push(p);
        return p;
      };
      let row: SessionRow;
      let orderRow: OrderRow | undefined;
      let attemptRows: [PaymentAttempt, AttemptRow][];
      let finished: Finished | undefined;
      try {
        row = {
          state: hold(pool.pack(req.session)),
          version: (current?.version ?? 0) + 1,
          status: req.session.status,
          updatedAt: isoToMillis(req.session.updatedAt),
        };
        if (o)
          orderRow = {
            record: hold(pool.pack(o)),
            sessionId: o.sessionId,
            createdAt: isoToMillis(o.createdAt),
          };
        attemptRows = lastAttemptPerId(req.attempts ?? []).map((a) => [
          a,
          { json: JSON.stringify(a), number: a.number },
        ]);
        finished = req.idempotency ? prepareFinish(req.idempotency) : undefined;
      } catch (e) {
        for (const p of packed) pool.release(p);
        throw e;
      }
      if (current) pool.release(current.state);
      sessions.set(id, row);
      if (o && orderRow) {
        orders.set(o.order.id, orderRow);
        orderBySession.set(id, o.order.id);
        if (o.paymentId) orderByPayment.set(o.paymentId, o.order.id);
      }
      for (const [a, attemptRow] of attemptRows) {
        attempts.set(a.id, attemptRow);
        const ids = attemptsBySession.get(a.sessionId);
        if (!ids) attemptsBySession.set(a.sessionId, [a.id]);
        else if (!ids.includes(a.id)) ids.push(a.id);
      }
      if (finished) applyFinish(finished);
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
      const r = applyRefundUpdate(parse<OrderRecord>(o.record), update, now);
      if (r.changed) {
        const previous = o.record;
        o.record = pool.pack(r.record);
        pool.release(previous);
      }
      return r;
    },

    async getPaymentAttempt(id) {
      const a = attempts.get(id);
      return a ? (JSON.parse(a.json) as PaymentAttempt) : null;
    },
    async listPaymentAttempts(sessionId) {
      return (attemptsBySession.get(sessionId) ?? [])
        .map((i) => attempts.get(i)!)
        .sort((a, b) => a.number - b.number)
        .map((a) => JSON.parse(a.json) as PaymentAttempt);
    },

    async listSessions(filter) {
      const limit = clampPageLimit(filter.limit);
      const after = filter.cursor ? decodeKeysetCursor(filter.cursor) : undefined;
      const statuses = filter.statuses ? new Set(filter.statuses) : undefined;
      const rows: [KeysetKey, SessionRow][] = [];
      for (const [id, s] of sessions) {
        if (statuses && !statuses.has(s.status)) continue;
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
      return {
        orders: page.map((r) => parse<OrderRecord>(r[1].record)),
        ...(nextCursor ? { nextCursor } : {}),
      };
    },

    async idempotencyBegin(req: IdempotencyBegin): Promise<IdempotencyBeginResult> {
      const k = idemKey(req.scope, req.key);
      const existing = idem.get(k);
      const decision = decideIdempotencyBegin(existing, req);
      if (decision.kind === 'start') {
        if (existing?.body) pool.release(existing.body);
        const { requestHash, lockUntil, expiresAt } = decision.record;
        idem.set(k, new IdemRecord(requestHash, lockUntil, expiresAt));
      } else if (decision.kind === 'take_over') {
        existing!.lockUntil = decision.lockUntil;
      }
      return idempotencyBeginResult(decision, () => replayOf(existing!));
    },

    async idempotencyFinish(f) {
      const finished = prepareFinish(f);
      if (finished) applyFinish(finished);
    },

    async idempotencyRelease(scope, key) {
      const k = idemKey(scope, key);
      if (idem.get(k)?.state === 'in_flight') idem.delete(k);
    },

    async idempotencySweep(now) {
      const t = isoToMillis(now);
      let removed = 0;
      for (const [k, r] of idem) {
        if (idempotencyRecordExpired(r.expiresAt, t)) {
          if (r.body) pool.release(r.body);
          idem.delete(k);
          removed++;
        }
      }
      return removed;
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
