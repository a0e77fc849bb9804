// In-memory reference implementation of CheckoutStoreV1. Every method runs without an `await` between its
// reads and writes, so it is atomic in a single JS process. The rules (idempotency decision, keyset pages,
// refund ledger) are core's, shared with the SQL stores; this file only keeps rows.
//
// Rows are kept as JSON text, as a database would: a caller can never mutate stored data through a returned
// object, and text is far smaller than object graphs.
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
} from '../store-kit.js';

export interface MemoryStore extends CheckoutStoreV1 {
  /** Counts for tests and dashboards. */
  stats(): { sessions: number; orders: number; attempts: number; idempotencyRecords: number };
}

interface SessionRow {
  state: string;
  version: number;
  status: string;
  updatedAt: number;
}

interface OrderRow {
  record: string;
  sessionId: string;
  createdAt: number;
}

interface AttemptRow {
  json: string;
  number: number;
}

/** An idempotency record; a finished one holds what a replay needs (status, headers and body as JSON text). */
class IdemRecord implements IdempotencyRecordState {
  state: 'in_flight' | 'done' = 'in_flight';
  status = 0;
  headers: string | undefined = undefined;
  body: string | undefined = undefined;
  constructor(
    public requestHash: string,
    public lockUntil: number,
    public expiresAt: number,
  ) {}
}

const EMPTY_OBJECT_TEXT = '{}';

export function createMemoryStore(): MemoryStore {
  const sessions = new Map<string, SessionRow>();
  const orders = new Map<string, OrderRow>();
  const orderBySession = new Map<string, string>();
  const orderByPayment = new Map<string, string>();
  const attempts = new Map<string, AttemptRow>();
  const attemptsBySession = new Map<string, string[]>();
  const idem = new Map<string, IdemRecord>();
  // Joined, not concatenated: one flat string per record rather than a rope of its pieces.
  const idemKey = (scope: string, key: string) => [scope, key].join('\u0000');

  const parse = <T>(json: string): T => JSON.parse(json) as T;
  const toStored = (s: SessionRow): StoredSession => ({
    state: parse<StoredSession['state']>(s.state),
    version: s.version,
  });
  const orderById = (id: string | undefined): OrderRecord | null => {
    const o = id === undefined ? undefined : orders.get(id);
    return o ? parse<OrderRecord>(o.record) : null;
  };

  function finish(f: IdempotencyFinish): void {
    const r = idem.get(idemKey(f.scope, f.key));
    if (!r) return;
    const { status, body, headers } = f.response;
    const headersText = headers === undefined ? undefined : JSON.stringify(headers);
    r.state = 'done';
    r.status = status;
    r.headers = headersText === EMPTY_OBJECT_TEXT ? EMPTY_OBJECT_TEXT : headersText;
    r.body = JSON.stringify(body);
  }

  function replayOf(r: IdemRecord): StoredResponse {
    const text = r.body ?? '';
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
      const version = (current?.version ?? 0) + 1;
      const row: SessionRow = {
        state: JSON.stringify(req.session),
        version,
        status: req.session.status,
        updatedAt: isoToMillis(req.session.updatedAt),
      };
      sessions.set(id, row);
      if (req.order && !orderBySession.has(id)) {
        const o = req.order;
        orders.set(o.order.id, {
          record: JSON.stringify(o),
          sessionId: o.sessionId,
          createdAt: isoToMillis(o.createdAt),
        });
        orderBySession.set(id, o.order.id);
        if (o.paymentId) orderByPayment.set(o.paymentId, o.order.id);
      }
      for (const a of req.attempts ?? []) {
        attempts.set(a.id, { json: JSON.stringify(a), number: a.number });
        const ids = attemptsBySession.get(a.sessionId);
        if (!ids) attemptsBySession.set(a.sessionId, [a.id]);
        else if (!ids.includes(a.id)) ids.push(a.id);
      }
      if (req.idempotency) finish(req.idempotency);
      return { ok: true, version };
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
      if (r.changed) o.record = JSON.stringify(r.record);
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
        const { requestHash, lockUntil, expiresAt } = decision.record;
        idem.set(k, new IdemRecord(requestHash, lockUntil, expiresAt));
      } else if (decision.kind === 'take_over') {
        existing!.lockUntil = decision.lockUntil;
      }
      return idempotencyBeginResult(decision, () => replayOf(existing!));
    },

    async idempotencyFinish(f) {
      finish(f);
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
