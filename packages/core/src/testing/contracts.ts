// Contract suites: every adapter of a port must pass its suite. They use vitest's globals-free API, so call
// them at the top level of a `*.test.ts` file:
//
//   import { checkoutStoreContract } from '@acp/core/contracts';
//   checkoutStoreContract('sqlite', async () => ({ store: await openSqliteStore(':memory:') }));
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  OrderRecord,
  PayableSession,
  PayableStatus,
  PaymentAttempt,
  SessionBase,
  SessionState,
} from '../domain.js';
import type { RefundUpdate } from '../engine/refunds.js';
import type { CatalogV1, CheckoutStoreV1, PaymentGatewayV1, PricingV1, Product } from '../ports.js';

// ------------------------------------------------------------------------------------------ store

export interface StoreFixture {
  store: CheckoutStoreV1;
  /** Called after each test (drop schema, close pools). */
  cleanup?: () => Promise<void> | void;
}

/** A status with the fields of its variant (`{ status: 'completed', orderId }`); payable when absent. */
export type SampleSessionVariant =
  | { status?: PayableStatus; pendingLinkAttemptId?: string }
  | (Exclude<SessionState, PayableSession> extends infer V
      ? V extends SessionState
        ? Omit<V, keyof SessionBase>
        : never
      : never);

export function sampleSessionState(
  id: string,
  overrides: Partial<SessionBase> & SampleSessionVariant = {},
): SessionState {
  return {
    schema: 1,
    id,
    status: 'not_ready_for_payment',
    currency: 'usd',
    lines: [],
    fulfillmentOptions: [],
    selectedFulfillmentOptions: [],
    capabilities: { interventions: { supported: [], required: [], enforcement: 'conditional' } },
    messages: [],
    notices: [],
    totals: {
      itemsBaseAmount: 0,
      itemsDiscount: 0,
      subtotal: 0,
      discount: 0,
      fulfillment: 0,
      tax: 0,
      total: 0,
    },
    createdAt: '2026-11-24T12:00:00.000Z',
    updatedAt: '2026-11-24T12:00:00.000Z',
    expiresAt: '2026-11-24T18:00:00.000Z',
    attemptCount: 0,
    ...overrides,
  };
}

function sampleOrder(id: string, sessionId: string, paymentId = `pi_${id}`): OrderRecord {
  return {
    order: {
      type: 'order',
      id,
      checkout_session_id: sessionId,
      permalink_url: `https://shop.example/orders/${id}`,
      status: 'confirmed',
      adjustments: [],
    },
    sessionId,
    currency: 'usd',
    amount: 1000,
    paymentId,
    createdAt: '2026-11-24T12:00:00.000Z',
    updatedAt: '2026-11-24T12:00:00.000Z',
  };
}

function sampleAttempt(
  sessionId: string,
  n: number,
  overrides: Partial<PaymentAttempt> = {},
): PaymentAttempt {
  return {
    id: `${sessionId}:${n}`,
    sessionId,
    number: n,
    kind: 'charge',
    idempotencyKey: `acp_${sessionId}_attempt_${n}`,
    status: 'pending',
    amount: 1000,
    currency: 'usd',
    credentialToken: 'spt_test',
    createdAt: '2026-11-24T12:00:00.000Z',
    updatedAt: '2026-11-24T12:00:00.000Z',
    ...overrides,
  };
}

const T0 = '2026-11-24T12:00:00.000Z';
/** Ids must be unique within a process; each SQL test run uses its own schema, so no randomness is needed. */
let uniqueCounter = 0;
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

/** The CheckoutStoreV1 contract. `name` labels the describe block. */
export function checkoutStoreContract(name: string, setup: () => Promise<StoreFixture> | StoreFixture): void {
  describe(`CheckoutStoreV1 contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: CheckoutStoreV1;
    const label = name.replace(/[^A-Za-z0-9]+/g, '').slice(0, 16);
    const uid = (p: string) => `${p}_${label}_${++uniqueCounter}`;
    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it('declares version 1', () => {
      expect(store.version).toBe(1);
    });

    it('inserts a session once and reads it back unchanged', async () => {
      const id = uid('cs');
      const state = sampleSessionState(id, { metadata: { nested: { a: [1, 'two', null] } } });
      expect(await store.commit({ session: state, expectedVersion: null })).toEqual({ ok: true, version: 1 });
      expect(await store.getSession(id)).toEqual({ state, version: 1 });
      expect(await store.commit({ session: state, expectedVersion: null })).toEqual({
        ok: false,
        reason: 'conflict',
      });
      expect(await store.getSession(uid('missing'))).toBeNull();
    });

    it('compare-and-set: a stale version is rejected, so a lost update is impossible', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      const a = await store.commit({
        session: sampleSessionState(id, { status: 'ready_for_payment' }),
        expectedVersion: 1,
      });
      const b = await store.commit({
        session: sampleSessionState(id, { status: 'canceled' }),
        expectedVersion: 1,
      });
      expect(a).toEqual({ ok: true, version: 2 });
      expect(b).toEqual({ ok: false, reason: 'conflict' });
      expect((await store.getSession(id))?.state.status).toBe('ready_for_payment');
    });

    it('parallel commits against one version: exactly one wins', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.commit({ session: sampleSessionState(id, { attemptCount: i + 1 }), expectedVersion: 1 }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const stored = await store.getSession(id);
      expect(stored?.version).toBe(2);
    });

    it('a failed compare-and-set writes nothing else (order, attempts, idempotency)', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      await store.idempotencyBegin({
        scope: 's',
        key: id,
        requestHash: 'h',
        now: T0,
        lockUntil: later(60_000),
        expiresAt: later(86_400_000),
      });
      const orderId = uid('ord');
      const r = await store.commit({
        session: sampleSessionState(id, { status: 'completed', orderId }),
        expectedVersion: 7,
        order: sampleOrder(orderId, id),
        attempts: [sampleAttempt(id, 1)],
        idempotency: { scope: 's', key: id, response: { status: 200, body: { x: 1 } } },
      });
      expect(r.ok).toBe(false);
      expect(await store.getOrderBySession(id)).toBeNull();
      expect(await store.listPaymentAttempts(id)).toEqual([]);
      const again = await store.idempotencyBegin({
        scope: 's',
        key: id,
        requestHash: 'h',
        now: T0,
        lockUntil: later(60_000),
        expiresAt: later(86_400_000),
      });
      expect(again.kind).toBe('in_flight');
    });

    it('commits session, order, attempts and the idempotent response atomically', async () => {
      const id = uid('cs');
      const orderId = uid('ord');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      await store.idempotencyBegin({
        scope: 'caller POST /x',
        key: 'k1',
        requestHash: 'h1',
        now: T0,
        lockUntil: later(60_000),
        expiresAt: later(86_400_000),
      });
      const order = sampleOrder(orderId, id);
      const attempt = sampleAttempt(id, 1, { status: 'succeeded', paymentId: `pi_${orderId}` });
      const r = await store.commit({
        session: sampleSessionState(id, { status: 'completed', orderId }),
        expectedVersion: 1,
        order,
        attempts: [attempt],
        idempotency: {
          scope: 'caller POST /x',
          key: 'k1',
          response: { status: 200, body: { ok: true }, headers: { a: 'b' } },
        },
      });
      expect(r).toEqual({ ok: true, version: 2 });
      expect(await store.getOrder(orderId)).toEqual(order);
      expect(await store.getOrderBySession(id)).toEqual(order);
      expect(await store.getOrderByPayment(`pi_${orderId}`)).toEqual(order);
      expect(await store.getPaymentAttempt(attempt.id)).toEqual(attempt);
      const replay = await store.idempotencyBegin({
        scope: 'caller POST /x',
        key: 'k1',
        requestHash: 'h1',
        now: later(1000),
        lockUntil: later(61_000),
        expiresAt: later(86_400_000),
      });
      expect(replay).toEqual({
        kind: 'replay',
        response: { status: 200, body: { ok: true }, headers: { a: 'b' } },
      });
    });

    it('a commit that cannot be stored (unparsable time) throws and changes nothing', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      await store.idempotencyBegin({
        scope: 's',
        key: id,
        requestHash: 'h',
        now: T0,
        lockUntil: later(60_000),
        expiresAt: later(86_400_000),
      });
      await expect(
        store.commit({
          session: sampleSessionState(id, { status: 'completed', orderId: 'ord_bad_time' }),
          expectedVersion: 1,
          order: { ...sampleOrder('ord_bad_time', id), createdAt: 'not a time' },
          attempts: [sampleAttempt(id, 1)],
          idempotency: { scope: 's', key: id, response: { status: 200, body: { x: 1 } } },
        }),
      ).rejects.toThrow();
      expect(await store.getSession(id)).toEqual({ state: sampleSessionState(id), version: 1 });
      expect(await store.getOrderBySession(id)).toBeNull();
      expect(await store.listPaymentAttempts(id)).toEqual([]);
      expect(
        (
          await store.idempotencyBegin({
            scope: 's',
            key: id,
            requestHash: 'h',
            now: T0,
            lockUntil: later(60_000),
            expiresAt: later(86_400_000),
          })
        ).kind,
      ).toBe('in_flight');
    });

    it('keeps one order per session even if a second order is offered', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      const first = sampleOrder(uid('ord'), id);
      const completed = { status: 'completed', orderId: first.order.id } as const;
      await store.commit({
        session: sampleSessionState(id, completed),
        expectedVersion: 1,
        order: first,
      });
      await store.commit({
        session: sampleSessionState(id, completed),
        expectedVersion: 2,
        order: sampleOrder(uid('ord'), id, 'pi_other'),
      });
      expect((await store.getOrderBySession(id))?.order.id).toBe(first.order.id);
    });

    it('upserts attempts by id and lists them in attempt order', async () => {
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: 1,
        attempts: [sampleAttempt(id, 2), sampleAttempt(id, 1)],
      });
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: 2,
        attempts: [
          sampleAttempt(id, 1, { status: 'declined', failure: { code: 'card_declined', message: 'no' } }),
        ],
      });
      const list = await store.listPaymentAttempts(id);
      expect(list.map((a) => [a.number, a.status])).toEqual([
        [1, 'declined'],
        [2, 'pending'],
      ]);
      expect(await store.getPaymentAttempt(`${id}:9`)).toBeNull();
      // The same attempt twice in one commit: the last one given wins.
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: 3,
        attempts: [sampleAttempt(id, 3), sampleAttempt(id, 3, { status: 'succeeded', paymentId: 'pi_last' })],
      });
      expect(await store.getPaymentAttempt(`${id}:3`)).toMatchObject({
        status: 'succeeded',
        paymentId: 'pi_last',
      });
      expect((await store.listPaymentAttempts(id)).map((a) => a.number)).toEqual([1, 2, 3]);
    });

    it('idempotency: new, conflict, in flight, take-over after the lock, release, replay and sweep', async () => {
      const scope = uid('scope');
      const base = { scope, key: 'k', now: T0, lockUntil: later(60_000), expiresAt: later(86_400_000) };
      expect(await store.idempotencyBegin({ ...base, requestHash: 'a' })).toEqual({ kind: 'started' });
      expect(await store.idempotencyBegin({ ...base, requestHash: 'b' })).toEqual({ kind: 'conflict' });
      expect(await store.idempotencyBegin({ ...base, requestHash: 'a', now: later(1000) })).toEqual({
        kind: 'in_flight',
        lockUntil: later(60_000),
      });
      // the owner died; after its lock passes a retry takes over
      expect(
        await store.idempotencyBegin({
          ...base,
          requestHash: 'a',
          now: later(61_000),
          lockUntil: later(121_000),
        }),
      ).toEqual({
        kind: 'started',
      });
      await store.idempotencyRelease(scope, 'k');
      expect(await store.idempotencyBegin({ ...base, requestHash: 'c' })).toEqual({ kind: 'started' });
      await store.idempotencyFinish({ scope, key: 'k', response: { status: 201, body: { id: 1 } } });
      expect(await store.idempotencyBegin({ ...base, requestHash: 'c', now: later(5000) })).toEqual({
        kind: 'replay',
        response: { status: 201, body: { id: 1 } },
      });
      // release never deletes a finished record
      await store.idempotencyRelease(scope, 'k');
      expect((await store.idempotencyBegin({ ...base, requestHash: 'c', now: later(5000) })).kind).toBe(
        'replay',
      );
      // scoped by caller + path: the same key elsewhere is independent
      expect(await store.idempotencyBegin({ ...base, scope: `${scope}-other`, requestHash: 'z' })).toEqual({
        kind: 'started',
      });
      // kept until expiry (>= 24 h), then swept; a reused key after expiry is a new request
      expect(await store.idempotencySweep(later(3600_000))).toBe(0);
      expect(
        (await store.idempotencyBegin({ ...base, requestHash: 'c', now: later(23 * 3600_000) })).kind,
      ).toBe('replay');
      const removed = await store.idempotencySweep(later(86_400_001));
      expect(removed).toBeGreaterThanOrEqual(1);
      expect(
        await store.idempotencyBegin({
          ...base,
          requestHash: 'd',
          now: later(86_400_002),
          lockUntil: later(86_460_000),
          expiresAt: later(2 * 86_400_000),
        }),
      ).toEqual({ kind: 'started' });
    });

    it('idempotency: one key under several scopes keeps independent records through finish, release and sweep', async () => {
      const key = uid('shared-key');
      const scopes = [uid('scope-a'), uid('scope-b'), uid('scope-c'), uid('scope-d')];
      // b expires first; d stays in flight and is released.
      const keepFor = [3 * 3600_000, 3600_000, 5 * 3600_000, 5 * 3600_000];
      for (const [i, scope] of scopes.entries()) {
        expect(
          await store.idempotencyBegin({
            scope,
            key,
            requestHash: `h${i}`,
            now: T0,
            lockUntil: later(60_000),
            expiresAt: later(keepFor[i]!),
          }),
        ).toEqual({ kind: 'started' });
        if (i < 3) await store.idempotencyFinish({ scope, key, response: { status: 200, body: { i } } });
      }
      await store.idempotencyRelease(scopes[3]!, key);
      await store.idempotencyRelease(scopes[0]!, key); // finished: kept
      expect(await store.idempotencySweep(later(2 * 3600_000))).toBeGreaterThanOrEqual(1);
      const begin = (i: number, requestHash = `h${i}`) =>
        store.idempotencyBegin({
          scope: scopes[i]!,
          key,
          requestHash,
          now: later(2 * 3600_000 + 1),
          lockUntil: later(2 * 3600_000 + 60_000),
          expiresAt: later(10 * 3600_000),
        });
      expect(await begin(0)).toEqual({ kind: 'replay', response: { status: 200, body: { i: 0 } } });
      expect(await begin(2)).toEqual({ kind: 'replay', response: { status: 200, body: { i: 2 } } });
      expect(await begin(1, 'other')).toEqual({ kind: 'started' }); // swept: a new request
      expect(await begin(3, 'other')).toEqual({ kind: 'started' }); // released: a new request
      expect(await begin(0, 'other')).toEqual({ kind: 'conflict' });
    });

    it('idempotency: the first finish of a key wins (an owner presumed dead and the one that took over both finish)', async () => {
      const scope = uid('scope');
      const begin = (now: number) =>
        store.idempotencyBegin({
          scope,
          key: 'k',
          requestHash: 'h',
          now: later(now),
          lockUntil: later(now + 1_000),
          expiresAt: later(now + 600_000),
        });
      expect(await begin(0)).toEqual({ kind: 'started' });
      expect(await begin(2_000)).toEqual({ kind: 'started' }); // the first owner's lock passed: taken over
      await store.idempotencyFinish({ scope, key: 'k', response: { status: 200, body: { owner: 1 } } });
      await store.idempotencyFinish({ scope, key: 'k', response: { status: 200, body: { owner: 2 } } });
      // The answer the first finisher gave is the one replayed, in a commit's finish too.
      const id = uid('cs');
      await store.commit({ session: sampleSessionState(id), expectedVersion: null });
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: 1,
        idempotency: { scope, key: 'k', response: { status: 200, body: { owner: 3 } } },
      });
      expect(await begin(3_000)).toEqual({ kind: 'replay', response: { status: 200, body: { owner: 1 } } });
    });

    it('idempotency edges: expiry and lock boundaries, a finished record beats its lock, take-over keeps the record', async () => {
      const scope = uid('scope');
      const begin = (requestHash: string, now: number, lockFor = 60_000, keepFor = 600_000) =>
        store.idempotencyBegin({
          scope,
          key: 'k',
          requestHash,
          now: later(now),
          lockUntil: later(now + lockFor),
          expiresAt: later(now + keepFor),
        });
      expect(await begin('a', 0)).toEqual({ kind: 'started' });
      // The lock runs until lockUntil, exclusive: at lockUntil a retry takes over.
      expect(await begin('a', 59_999)).toEqual({ kind: 'in_flight', lockUntil: later(60_000) });
      expect(await begin('a', 60_000, 30_000)).toEqual({ kind: 'started' });
      // Taking over moves the lock only: same body in flight until the new lock, other body a conflict, and
      // the expiry of the first begin still holds.
      expect(await begin('a', 60_001)).toEqual({ kind: 'in_flight', lockUntil: later(90_000) });
      expect(await begin('b', 60_001)).toEqual({ kind: 'conflict' });
      await store.idempotencyFinish({ scope, key: 'k', response: { status: 200, body: { n: 1 } } });
      // Finished: replayed even though its lock has not passed; another body is still a conflict.
      expect(await begin('a', 60_002)).toEqual({ kind: 'replay', response: { status: 200, body: { n: 1 } } });
      expect(await begin('b', 60_002)).toEqual({ kind: 'conflict' });
      // Kept until expiresAt, exclusive: at expiresAt (600 000 after the first begin) the key is new again,
      // whatever the body, and the old response is gone.
      expect((await begin('a', 599_999)).kind).toBe('replay');
      expect(await begin('b', 600_000)).toEqual({ kind: 'started' });
      expect(await begin('a', 600_001)).toEqual({ kind: 'conflict' });
      expect(await begin('b', 600_001)).toEqual({ kind: 'in_flight', lockUntil: later(660_000) });
      await store.idempotencyFinish({ scope, key: 'k', response: { status: 201, body: { n: 2 } } });
      expect(await begin('b', 600_002)).toEqual({
        kind: 'replay',
        response: { status: 201, body: { n: 2 } },
      });
      // The sweep removes a record at its expiresAt, exclusive, finished or abandoned in flight.
      const other = uid('scope');
      await store.idempotencyBegin({
        scope: other,
        key: 'k',
        requestHash: 'h',
        now: T0,
        lockUntil: later(1000),
        expiresAt: later(5000),
      });
      expect(await store.idempotencySweep(later(4999))).toBe(0);
      expect(await store.idempotencySweep(later(5000))).toBeGreaterThanOrEqual(1);
      expect(
        await store.idempotencyBegin({
          scope: other,
          key: 'k',
          requestHash: 'other',
          now: later(5001),
          lockUntil: later(6000),
          expiresAt: later(9000),
        }),
      ).toEqual({ kind: 'started' });
    });

    it('replays a stored response byte for byte (key order, nesting, unicode, numbers)', async () => {
      const scope = uid('scope');
      const base = { scope, key: 'k', now: T0, lockUntil: later(60_000), expiresAt: later(86_400_000) };
      const body = {
        zeta: 1,
        alpha: { y: [3, 2, 1], x: null, w: { deep: ['é', '\u2028', 'ℹ︎ 🛒', '"quoted"\n\\'] } },
        id: 'cs_1',
        big: 1e21,
        precise: 9007199254740991,
        small: 0.000001,
        neg: -2.5e-7,
        empty: {},
        none: [],
        t: true,
        f: false,
        long: 'x'.repeat(5000),
        list: Array.from({ length: 40 }, (_, i) => ({ type: 'total', i, text: `line ${i}` })),
      };
      expect(await store.idempotencyBegin({ ...base, requestHash: 'h' })).toEqual({ kind: 'started' });
      await store.idempotencyFinish({
        scope,
        key: 'k',
        response: { status: 201, body, headers: { location: '/x', 'x-b': '2', 'x-a': '1' } },
      });
      const replay = await store.idempotencyBegin({ ...base, requestHash: 'h', now: later(1) });
      expect(replay.kind).toBe('replay');
      if (replay.kind !== 'replay') return;
      expect(JSON.stringify(replay.response.body)).toBe(JSON.stringify(body));
      expect(JSON.stringify(replay.response.headers)).toBe(
        JSON.stringify({ location: '/x', 'x-b': '2', 'x-a': '1' }),
      );
      expect(replay.response.status).toBe(201);
    });

    it('concurrent idempotency begins for one key: exactly one starts', async () => {
      const scope = uid('scope');
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.idempotencyBegin({
            scope,
            key: 'same',
            requestHash: 'h',
            now: T0,
            lockUntil: later(60_000),
            expiresAt: later(86_400_000),
          }),
        ),
      );
      expect(results.filter((r) => r.kind === 'started')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'in_flight')).toHaveLength(9);
    });

    it('keeps one refund ledger entry per refund id with its latest status (monotonic, idempotent)', async () => {
      const id = uid('cs');
      const orderId = uid('ord');
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: null,
        order: sampleOrder(orderId, id),
      });
      const fact = (refundId: string, status: RefundUpdate['status'], amount = 300): RefundUpdate => ({
        refundId,
        status,
        amount,
        currency: 'usd',
        at: T0,
      });
      const ledger = async () =>
        ((await store.getOrder(orderId))?.order.adjustments ?? []).map((a) => [a.id, a.status, a.amount]);
      expect((await store.upsertOrderRefund(orderId, fact('re_1', 'pending'), later(1)))?.changed).toBe(true);
      const done = await store.upsertOrderRefund(orderId, fact('re_1', 'succeeded'), later(2));
      expect(done?.changed).toBe(true);
      expect(done?.record.updatedAt).toBe(later(2));
      // A duplicate and a late `pending` change nothing.
      expect((await store.upsertOrderRefund(orderId, fact('re_1', 'succeeded'), later(3)))?.changed).toBe(
        false,
      );
      expect((await store.upsertOrderRefund(orderId, fact('re_1', 'pending'), later(4)))?.changed).toBe(
        false,
      );
      await store.upsertOrderRefund(orderId, fact('re_2', 'succeeded', 200), later(5));
      expect(await ledger()).toEqual([
        ['adj_re_1', 'completed', 300],
        ['adj_re_2', 'completed', 200],
      ]);
      // succeeded → failed is real (a refund can fail days later); a late `succeeded` after it is not.
      expect((await store.upsertOrderRefund(orderId, fact('re_1', 'failed'), later(6)))?.changed).toBe(true);
      expect((await store.upsertOrderRefund(orderId, fact('re_1', 'succeeded'), later(7)))?.changed).toBe(
        false,
      );
      expect(await ledger()).toEqual([
        ['adj_re_1', 'failed', 300],
        ['adj_re_2', 'completed', 200],
      ]);
      expect((await store.getOrder(orderId))?.updatedAt).toBe(later(6));
      expect(await store.upsertOrderRefund(uid('missing'), fact('re_1', 'pending'), later(8))).toBeNull();
    });

    it('applies concurrent refund facts for one order atomically (no lost update)', async () => {
      const id = uid('cs');
      const orderId = uid('ord');
      await store.commit({
        session: sampleSessionState(id),
        expectedVersion: null,
        order: sampleOrder(orderId, id),
      });
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.upsertOrderRefund(
            orderId,
            { refundId: `re_c${i}`, status: 'succeeded', amount: 100, currency: 'usd', at: T0 },
            later(i + 1),
          ),
        ),
      );
      const adjustments = (await store.getOrder(orderId))?.order.adjustments ?? [];
      expect(adjustments.map((a) => a.id).sort()).toEqual(
        Array.from({ length: 8 }, (_, i) => `adj_re_c${i}`).sort(),
      );
    });

    it('pages sessions and orders by keyset: ties on time broken by id, every row exactly once', async () => {
      const prefix = uid('page');
      const ids = ['b', 'a', 'c', 'e', 'd'].map((x) => `${prefix}_${x}`);
      for (const [i, id] of ids.entries()) {
        await store.commit({
          // Two instants only, so most rows tie on time; a status no other test uses isolates them.
          session: sampleSessionState(id, { status: 'canceled', updatedAt: later(i < 2 ? 7_000 : 9_000) }),
          expectedVersion: null,
          order: { ...sampleOrder(`${id}_o`, id, `pi_${id}`), createdAt: later(i < 2 ? 7_000 : 9_000) },
        });
      }
      const sessions: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listSessions({
          statuses: ['canceled'],
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        sessions.push(...page.sessions.map((x) => x.state.id).filter((id) => id.startsWith(prefix)));
        cursor = page.nextCursor;
      } while (cursor);
      expect(sessions).toEqual([`${prefix}_a`, `${prefix}_b`, `${prefix}_c`, `${prefix}_d`, `${prefix}_e`]);
      const orders: string[] = [];
      do {
        const page = await store.listOrders({ limit: 3, ...(cursor ? { cursor } : {}) });
        orders.push(...page.orders.map((o) => o.order.id).filter((id) => id.startsWith(prefix)));
        cursor = page.nextCursor;
      } while (cursor);
      expect(orders).toEqual([
        `${prefix}_e_o`,
        `${prefix}_d_o`,
        `${prefix}_c_o`,
        `${prefix}_b_o`,
        `${prefix}_a_o`,
      ]);
      await expect(store.listSessions({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_request',
        param: '$.cursor',
      });
    });

    it('lists sessions by status with pagination, and orders newest first', async () => {
      const prefix = uid('list');
      for (let i = 0; i < 5; i++) {
        await store.commit({
          session: sampleSessionState(`${prefix}_${i}`, {
            ...(i % 2 === 0
              ? { status: 'complete_in_progress', currentAttemptId: `${prefix}_${i}:1` }
              : { status: 'ready_for_payment' }),
            updatedAt: later(i * 1000),
          }),
          expectedVersion: null,
          order: sampleOrder(`${prefix}_o${i}`, `${prefix}_${i}`, `pi_${prefix}_${i}`),
        });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listSessions({
          statuses: ['complete_in_progress'],
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        expect(page.sessions.length).toBeLessThanOrEqual(2);
        seen.push(...page.sessions.map((s) => s.state.id).filter((sid) => sid.startsWith(prefix)));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([`${prefix}_0`, `${prefix}_2`, `${prefix}_4`]);
      const orders = await store.listOrders({ limit: 100 });
      const ours = orders.orders.filter((o) => o.order.id.startsWith(prefix)).map((o) => o.order.id);
      expect(ours).toHaveLength(5);
    });
  });
}

// ------------------------------------------------------------------------------------------ payment gateway

export interface GatewayFixture {
  gateway: PaymentGatewayV1;
  /** Tokens (SPTs) that the gateway will treat as: success, decline, 3DS required. May mint fresh ones. */
  tokens: {
    succeeds(amount: number, currency: string): Promise<string> | string;
    declines(amount: number, currency: string): Promise<string> | string;
    requiresAction?(amount: number, currency: string): Promise<string> | string;
  };
  /** The number of succeeded charges the PSP holds for a session (source of truth for double charges). */
  succeededCharges(sessionId: string): Promise<number> | number;
  /**
   * The current time, for attempts the suite hands to `reconcile` (a PSP may look recent attempts up by
   * time). Pass `() => new Date()` for a real or emulated PSP. Default: a fixed instant.
   */
  now?: () => Date;
  cleanup?: () => Promise<void> | void;
}

/**
 * What the adapter under test declares it supports. Declared, not guessed from the fixture: a declared
 * capability is tested (and its absence from the fixture fails), an undeclared one is checked to be really
 * absent. Nothing in the suite skips itself.
 */
export interface GatewayCapabilities {
  /** Payments can require 3-D Secure; the fixture must provide `tokens.requiresAction`. */
  threeDSecure: boolean;
  /** The gateway implements `reconcile`. */
  reconcile: boolean;
}

export function paymentGatewayContract(
  name: string,
  setup: () => Promise<GatewayFixture> | GatewayFixture,
  capabilities: GatewayCapabilities,
): void {
  describe(`PaymentGatewayV1 contract: ${name}`, () => {
    let f: GatewayFixture;
    const label = name.replace(/[^A-Za-z0-9]+/g, '').slice(0, 16);
    const session = () => `cs_contract_${label}_${++uniqueCounter}`;
    const request = (sessionId: string, token: string, attempt = 1) => ({
      sessionId,
      attemptId: `${sessionId}:${attempt}`,
      attemptNumber: attempt,
      idempotencyKey: `acp_${sessionId}_attempt_${attempt}`,
      amount: 2599,
      currency: 'usd',
      handlerId: 'card_tokenized',
      instrumentType: 'card',
      credential: { type: 'spt', token },
      metadata: { checkout_session_id: sessionId, attempt: String(attempt) },
    });
    beforeEach(async () => {
      f = await setup();
    });
    afterEach(async () => {
      await f.cleanup?.();
    });

    it('charges a valid token once and reports the payment', async () => {
      const sid = session();
      const r = await f.gateway.charge(request(sid, await f.tokens.succeeds(2599, 'usd')));
      expect(r.status).toBe('succeeded');
      if (r.status === 'succeeded') {
        expect(r.amount).toBe(2599);
        expect(r.currency.toLowerCase()).toBe('usd');
        expect(r.paymentId).toMatch(/\S/);
      }
      expect(await f.succeededCharges(sid)).toBe(1);
    });

    it('the same idempotency key never charges twice', async () => {
      const sid = session();
      const req = request(sid, await f.tokens.succeeds(2599, 'usd'));
      const a = await f.gateway.charge(req);
      const b = await f.gateway.charge(req);
      expect(a.status).toBe('succeeded');
      expect(b).toEqual(a);
      expect(await f.succeededCharges(sid)).toBe(1);
    });

    it('a decline is a value with a buyer-safe message, not an exception', async () => {
      const sid = session();
      const r = await f.gateway.charge(request(sid, await f.tokens.declines(2599, 'usd')));
      expect(r.status).toBe('declined');
      if (r.status === 'declined') {
        expect(r.code).toMatch(/\S/);
        expect(r.message).toMatch(/\S/);
        expect(r.message).not.toMatch(/\b\d{13,19}\b/);
      }
      expect(await f.succeededCharges(sid)).toBe(0);
    });

    it(`declares its capabilities truthfully (3-D Secure: ${capabilities.threeDSecure}, reconcile: ${capabilities.reconcile})`, () => {
      expect(typeof f.tokens.requiresAction === 'function').toBe(capabilities.threeDSecure);
      expect(typeof f.gateway.reconcile === 'function').toBe(capabilities.reconcile);
    });

    it.runIf(capabilities.threeDSecure)('3DS: requires_action carries authentication metadata', async () => {
      expect(
        f.tokens.requiresAction,
        'declared threeDSecure but the fixture has no requiresAction token',
      ).toBeTypeOf('function');
      const sid = session();
      const r = await f.gateway.charge(request(sid, await f.tokens.requiresAction!(2599, 'usd')));
      expect(r.status).toBe('requires_action');
      if (r.status === 'requires_action') {
        expect(r.paymentId).toMatch(/\S/);
        expect(r.authenticationMetadata.directory_server).toMatch(/visa|mastercard|american_express/);
      }
    });

    it.runIf(capabilities.reconcile)(
      'reconcile finds a committed charge by its attempt and never charges',
      async () => {
        expect(f.gateway.reconcile, 'declared reconcile but the gateway has none').toBeTypeOf('function');
        const sid = session();
        const req = request(sid, await f.tokens.succeeds(2599, 'usd'));
        const charged = await f.gateway.charge(req);
        const attempt: PaymentAttempt = {
          id: req.attemptId,
          sessionId: sid,
          number: 1,
          kind: 'charge',
          idempotencyKey: req.idempotencyKey,
          status: 'pending',
          amount: req.amount,
          currency: req.currency,
          // A real PSP may look recent attempts up by time: the attempt is as old as the charge.
          createdAt: (f.now?.() ?? new Date(T0)).toISOString(),
          updatedAt: (f.now?.() ?? new Date(T0)).toISOString(),
        };
        const at = (f.now?.() ?? new Date(T0)).getTime();
        // The window of sends core passes: the charge above was sent within it.
        const window = {
          sentFrom: new Date(at - 60_000).toISOString(),
          sentUntil: new Date(at + 60_000).toISOString(),
        };
        const found = await f.gateway.reconcile!(attempt, window);
        expect(found).toEqual(charged);
        const missing = await f.gateway.reconcile!(
          { ...attempt, id: `${sid}:9`, number: 9, idempotencyKey: `acp_${sid}_attempt_9` },
          window,
        );
        expect(missing).toMatchObject({ status: 'not_found' });
        // A miss says what it is worth: only `list` / `payment` may close an attempt (see ReconcileProof).
        expect(['list', 'payment', 'search', 'none']).toContain((missing as { proof?: unknown }).proof);
        expect(await f.succeededCharges(sid)).toBe(1);
      },
    );
  });
}

// ------------------------------------------------------------------------------------------ catalog, pricing

export function catalogContract(
  name: string,
  setup: () =>
    | Promise<{ catalog: CatalogV1; known: Product; outOfStock?: Product }>
    | { catalog: CatalogV1; known: Product; outOfStock?: Product },
): void {
  describe(`CatalogV1 contract: ${name}`, () => {
    it('returns known products and omits unknown ids', async () => {
      const { catalog, known } = await setup();
      const found = await catalog.getProducts([known.id, '__definitely_not_a_product__']);
      expect(found.map((p) => p.id)).toEqual([known.id]);
      expect(Number.isInteger(found[0]!.unitAmount)).toBe(true);
      expect(found[0]!.unitAmount).toBeGreaterThanOrEqual(0);
    });
    it('search finds a product by a word of its name and pages with a cursor', async () => {
      const { catalog, known } = await setup();
      const word = known.name.split(/\s+/)[0]!;
      const r = await catalog.search({ query: word, limit: 50 });
      expect(r.products.some((p) => p.id === known.id)).toBe(true);
      const first = await catalog.search({ limit: 1 });
      expect(first.products).toHaveLength(1);
      if (first.nextCursor) {
        const second = await catalog.search({ limit: 1, cursor: first.nextCursor });
        expect(second.products[0]?.id).not.toBe(first.products[0]?.id);
      }
    });
    it('commitInventory is idempotent per order', async () => {
      const { catalog, known } = await setup();
      if (!catalog.commitInventory || known.availableQuantity === undefined) return;
      const before = (await catalog.getProducts([known.id]))[0]!.availableQuantity!;
      await catalog.commitInventory({
        orderId: 'ord_contract',
        lines: [{ productId: known.id, quantity: 1 }],
      });
      await catalog.commitInventory({
        orderId: 'ord_contract',
        lines: [{ productId: known.id, quantity: 1 }],
      });
      expect((await catalog.getProducts([known.id]))[0]!.availableQuantity).toBe(before - 1);
    });
  });
}

export function pricingContract(name: string, setup: () => Promise<PricingV1> | PricingV1): void {
  describe(`PricingV1 contract: ${name}`, () => {
    const address = {
      name: 'Ada',
      line_one: '1 Main St',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      postal_code: '62701',
    };
    it('quotes integer, non-negative taxes and shipping once an address is known', async () => {
      const pricing = await setup();
      const lines = [
        { lineId: 'li_a', productId: 'a', quantity: 2, fulfillment: 'physical' as const, subtotal: 2000 },
      ];
      const without = await pricing.quote({ currency: 'usd', lines, now: T0 });
      expect(without.fulfillmentOptions.filter((o) => o.type === 'shipping')).toEqual([]);
      const withAddress = await pricing.quote({ currency: 'usd', lines, address, now: T0 });
      const shipping = withAddress.fulfillmentOptions.filter((o) => o.type === 'shipping');
      expect(shipping.length).toBeGreaterThan(0);
      for (const o of withAddress.fulfillmentOptions) {
        expect(Number.isInteger(o.subtotal) && o.subtotal >= 0).toBe(true);
        expect(Number.isInteger(o.tax) && o.tax >= 0).toBe(true);
        expect(o.itemIds).toContain('a');
      }
      for (const t of Object.values(withAddress.lineTaxes)) expect(Number.isInteger(t) && t >= 0).toBe(true);
    });
    it('offers a digital option for digital goods without an address', async () => {
      const pricing = await setup();
      const q = await pricing.quote({
        currency: 'usd',
        lines: [{ lineId: 'li_e', productId: 'e', quantity: 1, fulfillment: 'digital', subtotal: 1500 }],
        now: T0,
      });
      expect(q.fulfillmentOptions.some((o) => o.type === 'digital' && o.itemIds.includes('e'))).toBe(true);
    });
  });
}
