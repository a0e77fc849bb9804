// In-memory reference implementation of CheckoutStoreV1. Every method runs without an `await` between its
// reads and writes, so it is atomic in a single JS process. Values are cloned in and out, like a database.
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

interface IdemRecord {
  requestHash: string;
  state: 'in_flight' | 'done';
  lockUntil: string;
  expiresAt: string;
  /** JSON text of the StoredResponse. */
  response?: string;
}

export interface MemoryStore extends CheckoutStoreV1 {
  /** Counts for tests and dashboards. */
  stats(): { sessions: number; orders: number; attempts: number; idempotencyRecords: number };
}

const clone = <T>(v: T): T => structuredClone(v);

export function createMemoryStore(): MemoryStore {
  // Sessions and stored responses are kept as JSON text, as a database would: compact, and a caller can never
  // mutate stored data through a returned object.
  const sessions = new Map<string, { json: string; version: number; status: string; updatedAt: string }>();
  const orders = new Map<string, OrderRecord>();
  const orderBySession = new Map<string, string>();
  const orderByPayment = new Map<string, string>();
  const attempts = new Map<string, PaymentAttempt>();
  const attemptsBySession = new Map<string, Set<string>>();
  const idem = new Map<string, IdemRecord>();
  const idemKey = (scope: string, key: string) => `${scope}\u0000${key}`;

  const page = <T>(items: T[], opts: ListOptions) => {
    const start = opts.cursor ? Number.parseInt(opts.cursor, 10) || 0 : 0;
    const limit = Math.max(1, Math.min(opts.limit ?? 50, 1000));
    const slice = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    return { slice, next };
  };

  return {
    version: 1,

    async getSession(id) {
      const s = sessions.get(id);
      return s ? { state: JSON.parse(s.json) as StoredSession['state'], version: s.version } : null;
    },

    async commit(req: CommitRequest): Promise<CommitResult> {
      const id = req.session.id;
      const current = sessions.get(id);
      if (req.expectedVersion === null ? current !== undefined : current?.version !== req.expectedVersion) {
        return { ok: false, reason: 'conflict' };
      }
      const version = (current?.version ?? 0) + 1;
      sessions.set(id, {
        json: JSON.stringify(req.session),
        version,
        status: req.session.status,
        updatedAt: req.session.updatedAt,
      });
      if (req.order && !orderBySession.has(id)) {
        orders.set(req.order.order.id, clone(req.order));
        orderBySession.set(id, req.order.order.id);
        if (req.order.paymentId) orderByPayment.set(req.order.paymentId, req.order.order.id);
      }
      for (const a of req.attempts ?? []) {
        attempts.set(a.id, clone(a));
        let set = attemptsBySession.get(a.sessionId);
        if (!set) {
          set = new Set();
          attemptsBySession.set(a.sessionId, set);
        }
        set.add(a.id);
      }
      if (req.idempotency) finish(req.idempotency);
      return { ok: true, version };
    },

    async getOrder(orderId) {
      const o = orders.get(orderId);
      return o ? clone(o) : null;
    },
    async getOrderBySession(sessionId) {
      const id = orderBySession.get(sessionId);
      return id ? clone(orders.get(id)!) : null;
    },
    async getOrderByPayment(paymentId) {
      const id = orderByPayment.get(paymentId);
      return id ? clone(orders.get(id)!) : null;
    },

    async upsertOrderRefund(orderId: string, update: RefundUpdate, now: string) {
      // No await between the read and the write: atomic in one process.
      const o = orders.get(orderId);
      if (!o) return null;
      const r = applyRefundUpdate(o, update, now);
      if (r.changed) orders.set(orderId, clone(r.record));
      return { record: clone(r.record), changed: r.changed };
    },

    async getPaymentAttempt(id) {
      const a = attempts.get(id);
      return a ? clone(a) : null;
    },
    async listPaymentAttempts(sessionId) {
      const ids = [...(attemptsBySession.get(sessionId) ?? [])];
      return ids.map((i) => clone(attempts.get(i)!)).sort((a, b) => a.number - b.number);
    },

    async listSessions(filter) {
      const statuses = filter.statuses ? new Set(filter.statuses) : undefined;
      const all = [...sessions.entries()]
        .filter(([, s]) => !statuses || statuses.has(s.status))
        .sort(([ia, a], [ib, b]) =>
          a.updatedAt === b.updatedAt ? ia.localeCompare(ib) : a.updatedAt.localeCompare(b.updatedAt),
        );
      const { slice, next } = page(all, filter);
      return {
        sessions: slice.map(([, s]) => ({
          state: JSON.parse(s.json) as StoredSession['state'],
          version: s.version,
        })),
        ...(next ? { nextCursor: next } : {}),
      };
    },

    async listOrders(opts) {
      const all = [...orders.values()].sort((a, b) =>
        a.createdAt === b.createdAt
          ? b.order.id.localeCompare(a.order.id)
          : b.createdAt.localeCompare(a.createdAt),
      );
      const { slice, next } = page(all, opts);
      return { orders: slice.map(clone), ...(next ? { nextCursor: next } : {}) };
    },

    async idempotencyBegin(req: IdempotencyBegin): Promise<IdempotencyBeginResult> {
      const k = idemKey(req.scope, req.key);
      const existing = idem.get(k);
      const fresh = (): IdempotencyBeginResult => {
        idem.set(k, {
          requestHash: req.requestHash,
          state: 'in_flight',
          lockUntil: req.lockUntil,
          expiresAt: req.expiresAt,
        });
        return { kind: 'started' };
      };
      if (!existing || existing.expiresAt <= req.now) return fresh();
      if (existing.requestHash !== req.requestHash) return { kind: 'conflict' };
      if (existing.state === 'done')
        return { kind: 'replay', response: JSON.parse(existing.response!) as StoredResponse };
      if (existing.lockUntil > req.now) return { kind: 'in_flight', lockUntil: existing.lockUntil };
      existing.lockUntil = req.lockUntil; // the previous owner died: take over
      return { kind: 'started' };
    },

    async idempotencyFinish(f) {
      finish(f);
    },

    async idempotencyRelease(scope, key) {
      const k = idemKey(scope, key);
      if (idem.get(k)?.state === 'in_flight') idem.delete(k);
    },

    async idempotencySweep(now) {
      let removed = 0;
      for (const [k, r] of idem) {
        if (r.expiresAt <= now) {
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

  function finish(f: IdempotencyFinish) {
    const k = idemKey(f.scope, f.key);
    const r = idem.get(k);
    if (!r) return;
    r.state = 'done';
    r.response = JSON.stringify(f.response);
  }
}
