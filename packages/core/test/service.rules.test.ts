// Protocol rules the service enforces: versions, idempotency, terminal states, expiry, cancel, payment links,
// refunds, recovery after lost responses. Every answer is validated against the official JSON Schema.
import { specPresent } from '@acp/spec-oracle';
import { describe, expect, it } from 'vitest';
import { type CheckoutSession, type PaymentEvent, refundTotals } from '../src/index.js';
import { createTestCheckout, MEMORY_TEST_TOKENS, SAMPLE_ADDRESS } from '../src/testing/index.js';
import { ctx, expectSchemaValid, paymentData } from './helpers.js';

const caps = { interventions: { supported: ['3ds'] } };
const digital = {
  line_items: [{ id: 'ebook_mcp' }],
  currency: 'usd',
  capabilities: caps,
  buyer: { email: 'ada@example.com' },
};

async function readySession(t = createTestCheckout()) {
  const r = await t.service.createSession(digital, ctx());
  const s = r.body as CheckoutSession;
  expect(s.status).toBe('ready_for_payment');
  return { t, id: s.id, session: s };
}

describe.skipIf(!specPresent())('protocol rules', () => {
  describe('API-Version', () => {
    it('missing → 400 missing_api_version with supported_versions; unknown → unsupported_api_version', async () => {
      const t = createTestCheckout();
      const missing = await t.service.createSession(digital, ctx({ apiVersion: undefined }));
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ code: 'missing_api_version', supported_versions: ['2026-04-17'] });
      expectSchemaValid(missing);
      const old = await t.service.getSession('cs_x', ctx({ apiVersion: '2025-09-29' }));
      expect(old.status).toBe(400);
      expect(old.body).toMatchObject({ type: 'invalid_request', code: 'unsupported_api_version' });
      expect(t.store.stats().sessions).toBe(0);
    });
  });

  describe('idempotency', () => {
    it('key required on POST; replay returns the original status and body, marked; no second side effect', async () => {
      const t = createTestCheckout();
      const noKey = await t.service.createSession(digital, ctx({ idempotencyKey: undefined }));
      expect(noKey.status).toBe(400);
      expect(noKey.body).toMatchObject({ code: 'idempotency_key_required' });
      const first = await t.service.createSession(digital, ctx({ idempotencyKey: 'k-create' }));
      const again = await t.service.createSession(
        { buyer: digital.buyer, capabilities: caps, currency: 'usd', line_items: digital.line_items }, // same body, other key order
        ctx({ idempotencyKey: 'k-create' }),
      );
      expect(again.status).toBe(201);
      expect(again.replayed).toBe(true);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(t.store.stats().sessions).toBe(1);
      // a different caller with the same key is a different request
      const other = await t.service.createSession(
        digital,
        ctx({ idempotencyKey: 'k-create', caller: 'another_agent' }),
      );
      expect(other.replayed).toBe(false);
      expect(t.store.stats().sessions).toBe(2);
    });

    it("optional mode (the MCP binding's optional meta.idempotency_key): no key runs once and records nothing", async () => {
      const t = createTestCheckout();
      const created = await t.service.createSession(
        digital,
        ctx({ idempotencyKey: undefined, idempotency: 'optional' }),
      );
      expect(created.status).toBe(201);
      const id = (created.body as CheckoutSession).id;
      const done = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: undefined, idempotency: 'optional' }),
      );
      expect((done.body as CheckoutSession).status).toBe('completed');
      expect(t.store.stats().idempotencyRecords).toBe(0);
      // with a key, optional mode has the same semantics as required
      const keyed = await t.service.createSession(
        digital,
        ctx({ idempotencyKey: 'opt-1', idempotency: 'optional' }),
      );
      const again = await t.service.createSession(
        digital,
        ctx({ idempotencyKey: 'opt-1', idempotency: 'optional' }),
      );
      expect(again.replayed).toBe(true);
      expect(again.body).toEqual(keyed.body);
    });

    it('same key, different body → 422 idempotency_conflict (permanent)', async () => {
      const t = createTestCheckout();
      await t.service.createSession(digital, ctx({ idempotencyKey: 'k1' }));
      const conflict = await t.service.createSession(
        { ...digital, currency: 'usd', metadata: { x: 1 } },
        ctx({ idempotencyKey: 'k1' }),
      );
      expect(conflict.status).toBe(422);
      expect(conflict.body).toMatchObject({ type: 'invalid_request', code: 'idempotency_conflict' });
      expectSchemaValid(conflict);
    });

    it('a duplicate while the first is in flight → 409 idempotency_in_flight with Retry-After', async () => {
      const { t, id } = await readySession();
      const gate = deferred();
      const slow = {
        ...t.gateway,
        charge: async (r: Parameters<typeof t.gateway.charge>[0]) => {
          await gate.promise;
          return t.gateway.charge(r);
        },
      };
      const t2 = createTestCheckout({ store: t.store, gateway: slow, catalog: t.catalog, clock: t.clock });
      const body = { payment_data: paymentData() };
      const first = t2.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-1' }));
      await tick();
      const dup = await t2.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-1' }));
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ code: 'idempotency_in_flight' });
      expect(Number(dup.headers['retry-after'])).toBeGreaterThan(0);
      // a concurrent complete with another key sees the payment in progress
      const other = await t2.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-2' }));
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'payment_in_progress' });
      gate.resolve();
      expect((await first).status).toBe(200);
      const replay = await t2.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-1' }));
      expect(replay.replayed).toBe(true);
      expect((replay.body as CheckoutSession).status).toBe('completed');
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1);
    });

    it('5xx responses are never cached: a retry after an outage is processed fresh and charges once', async () => {
      const { t, id } = await readySession();
      t.gateway.injectFaults('lost_response');
      const body = { payment_data: paymentData() };
      const lost = await t.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-x' }));
      expect(lost.status).toBe(503);
      expect(lost.body).toMatchObject({ type: 'service_unavailable', code: 'payment_unavailable' });
      expectSchemaValid(lost);
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1); // the charge happened; the answer was lost
      const pending = await t.service.getSession(id, ctx({ idempotencyKey: undefined }));
      // GET reconciles the pending attempt with the PSP (same idempotency key), never charging again
      expect((pending.body as CheckoutSession).status).toBe('completed');
      // the same request retried gets its outcome (the completed session with the order), not a conflict
      const retry = await t.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-x' }));
      expect(retry.replayed).toBe(false);
      expect(retry.status).toBe(200);
      expectSchemaValid(retry, 'CheckoutSessionWithOrder');
      // a different request (another key) on the completed session is a typed conflict
      const other = await t.service.completeSession(id, body, ctx({ idempotencyKey: 'pay-y' }));
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'session_completed' });
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1);
      expect((await t.store.listOrders({})).orders).toHaveLength(1);
    });
  });

  describe('status machine', () => {
    it('terminal states absorb: update/complete of completed or canceled are typed errors; cancel is 405', async () => {
      const { t, id } = await readySession();
      await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
      const upd = await t.service.updateSession(id, { buyer: { email: 'x@y.io' } }, ctx());
      expect(upd.status).toBe(409);
      expect(upd.body).toMatchObject({ code: 'session_completed' });
      const cancel = await t.service.cancelSession(id, undefined, ctx());
      expect(cancel.status).toBe(405);
      expect(cancel.body).toMatchObject({ code: 'session_not_cancelable' });
      expectSchemaValid(cancel);

      const second = await readySession(t);
      const canceled = await t.service.cancelSession(
        second.id,
        { intent_trace: { reason_code: 'made_up', trace_summary: 'later' } },
        ctx(),
      );
      expect(canceled.status).toBe(200);
      expectSchemaValid(canceled);
      expect(JSON.stringify(canceled.body)).not.toContain('intent_trace');
      expect((await t.store.getSession(second.id))?.state.writeOnly?.intentTrace?.reason_code).toBe('other');
      expect((await t.service.cancelSession(second.id, {}, ctx())).status).toBe(405);
      expect(
        (await t.service.completeSession(second.id, { payment_data: paymentData() }, ctx())).body,
      ).toMatchObject({
        code: 'session_canceled',
      });
    });

    it('expires at expires_at; an expired session refuses update and complete', async () => {
      const { t, id, session } = await readySession();
      t.clock.set(session.expires_at!);
      const got = await t.service.getSession(id, ctx({ idempotencyKey: undefined }));
      expect((got.body as CheckoutSession).status).toBe('expired');
      expectSchemaValid(got);
      const upd = await t.service.updateSession(id, { buyer: { email: 'x@y.io' } }, ctx());
      expect(upd.body).toMatchObject({ code: 'session_expired' });
      const cancel = await t.service.cancelSession(id, undefined, ctx());
      expect(cancel.status).toBe(405);
    });

    it('unknown session → 404; unknown item → 400 with a JSONPath param; bad body → 400 param', async () => {
      const t = createTestCheckout();
      const nf = await t.service.getSession('cs_nope', ctx({ idempotencyKey: undefined }));
      expect(nf.status).toBe(404);
      expectSchemaValid(nf);
      const bad = await t.service.createSession(
        { ...digital, line_items: [{ id: 'ebook_mcp' }, { id: 'ghost' }] },
        ctx(),
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'invalid_item_id', param: '$.line_items[1].id' });
      const wrong = await t.service.createSession({ ...digital, currency: 7 }, ctx());
      expect(wrong.body).toMatchObject({ code: 'invalid', param: '$.currency' });
      const mcpRoot = await t.service.createSession(
        { ...digital, line_items: [] },
        ctx({ paramRoot: '$.payload' }),
      );
      expect(mcpRoot.body).toMatchObject({ code: 'invalid', param: '$.payload.line_items' });
      const extra = await t.service.createSession({ ...digital, card_number: '4242424242424242' }, ctx());
      expect(extra.body).toMatchObject({ code: 'invalid', param: '$.card_number' });
      expect(JSON.stringify(extra.body)).not.toContain('4242424242424242');
      const notObject = await t.service.createSession([1, 2], ctx());
      expect(notObject.status).toBe(400);
      expect(t.store.stats().sessions).toBe(0);
    });

    it('stock rules: out_of_stock and quantity_exceeded make the session not ready; low stock warns', async () => {
      const t = createTestCheckout();
      const r = await t.service.createSession(
        {
          line_items: [{ id: 'poster_sold_out' }, { id: 'tee_black', quantity: 4 }, { id: 'mug_classic' }],
          currency: 'usd',
          capabilities: caps,
          buyer: { email: 'a@b.co' },
          fulfillment_details: { address: SAMPLE_ADDRESS },
        },
        ctx(),
      );
      expectSchemaValid(r);
      const s = r.body as CheckoutSession;
      expect(s.status).toBe('not_ready_for_payment');
      const codes = s.messages.map((m) => ('code' in m ? m.code : m.type));
      expect(codes).toEqual(expect.arrayContaining(['out_of_stock', 'quantity_exceeded']));
      const fixed = await t.service.updateSession(
        s.id,
        {
          line_items: [{ id: 'tee_black', quantity: 2 }],
          selected_fulfillment_options: [
            { type: 'shipping', option_id: 'ship_standard', item_ids: ['tee_black'] },
          ],
        },
        ctx(),
      );
      const f = fixed.body as CheckoutSession;
      expect(f.status).toBe('ready_for_payment');
      expect(f.messages).toEqual([expect.objectContaining({ type: 'warning', code: 'low_stock' })]);
      const wrongCurrency = await t.service.createSession(
        { ...digital, line_items: [{ id: 'sticker_eur' }] },
        ctx(),
      );
      expect(wrongCurrency.body).toMatchObject({ code: 'unsupported_currency', param: '$.currency' });
    });

    it('capabilities: interventions intersected, agent-only fields not echoed, no empty extensions', async () => {
      const t = createTestCheckout();
      const r = await t.service.createSession(
        {
          ...digital,
          capabilities: {
            interventions: { supported: ['3ds', 'biometric'], display_context: 'webview', max_redirects: 1 },
            extensions: ['discount'],
          },
        },
        ctx(),
      );
      const s = r.body as CheckoutSession;
      expect(s.capabilities.interventions).toEqual({
        supported: ['3ds'],
        required: [],
        enforcement: 'conditional',
      });
      expect(s.capabilities).not.toHaveProperty('extensions');
      expect(s.capabilities.payment?.handlers[0]).toMatchObject({
        name: 'dev.acp.tokenized.card',
        psp: 'stripe',
      });
      expectSchemaValid(r);
    });

    it('a required intervention the agent lacks (enforcement always) blocks payment', async () => {
      const t = createTestCheckout({
        config: { interventions: { supported: ['3ds'], required: ['3ds'], enforcement: 'always' } },
      });
      const r = await t.service.createSession(
        { ...digital, capabilities: { interventions: { supported: [] } } },
        ctx(),
      );
      const s = r.body as CheckoutSession;
      expect(s.status).toBe('not_ready_for_payment');
      expect(s.messages).toContainEqual(expect.objectContaining({ code: 'intervention_required' }));
    });

    it('complete refuses unknown handlers and non-payable sessions with typed errors', async () => {
      const t = createTestCheckout();
      const s = (await t.service.createSession({ ...digital, buyer: undefined }, ctx()))
        .body as CheckoutSession;
      const notReady = await t.service.completeSession(s.id, { payment_data: paymentData() }, ctx());
      expect(notReady.body).toMatchObject({ code: 'session_not_payable' });
      const ready = await readySession(t);
      const badHandler = await t.service.completeSession(
        ready.id,
        {
          payment_data: {
            handler_id: 'nope',
            instrument: { type: 'card', credential: { type: 'spt', token: 'spt_1' } },
          },
        },
        ctx(),
      );
      expect(badHandler.body).toMatchObject({
        code: 'unsupported_payment_handler',
        param: '$.payment_data.handler_id',
      });
      const po = await t.service.completeSession(
        ready.id,
        { payment_data: { purchase_order_number: 'PO-1' } },
        ctx(),
      );
      expect(po.status).toBe(400);
    });
  });

  describe('hosted payment link', () => {
    it('opens once, completes exactly once on duplicate/out-of-order events, expiry returns to payable', async () => {
      const { t, id } = await readySession();
      const link = await t.service.createPaymentLink(id, { caller: 'agent_test' });
      expect(link.status).toBe(200);
      const again = await t.service.createPaymentLink(id, { caller: 'agent_test' });
      expect(again.body).toEqual(link.body);
      const waiting = (await t.service.getSession(id, ctx({ idempotencyKey: undefined })))
        .body as CheckoutSession;
      expect(waiting.status).toBe('in_progress');
      expect(waiting.continue_url).toBe((link.body as { url: string }).url);
      const update = await t.service.updateSession(id, { buyer: { email: 'z@z.io' } }, ctx());
      expect(update.body).toMatchObject({ code: 'payment_in_progress' });

      const linkId = (link.body as { url: string }).url.split('/').pop()!;
      const paid = t.gateway.payLink(linkId);
      expect(await t.service.handlePaymentEvent(paid)).toEqual({ applied: true });
      expect(await t.service.handlePaymentEvent(paid)).toMatchObject({ applied: false });
      expect(await t.service.handlePaymentEvent(t.gateway.expireLink(linkId))).toMatchObject({
        applied: false,
      });
      const done = await t.service.getSession(id, ctx({ idempotencyKey: undefined }));
      expectSchemaValid(done, 'CheckoutSessionWithOrder');
      expect((await t.store.listOrders({})).orders).toHaveLength(1);

      const other = await readySession(t);
      const l2 = await t.service.createPaymentLink(other.id, { caller: 'agent_test' });
      const l2id = (l2.body as { url: string }).url.split('/').pop()!;
      await t.service.handlePaymentEvent(t.gateway.expireLink(l2id));
      const back = (await t.service.getSession(other.id, ctx({ idempotencyKey: undefined })))
        .body as CheckoutSession;
      expect(back.status).toBe('ready_for_payment');
    });

    it('cancel while a link is open expires it first; if it was already paid, the payment wins', async () => {
      const { t, id } = await readySession();
      const link = await t.service.createPaymentLink(id, { caller: 'agent_test' });
      const linkId = (link.body as { url: string }).url.split('/').pop()!;
      t.gateway.payLink(linkId); // paid, webhook not delivered yet
      const cancel = await t.service.cancelSession(id, undefined, ctx());
      expect(cancel.status).toBe(405);
      const s = (await t.service.getSession(id, ctx({ idempotencyKey: undefined }))).body as CheckoutSession;
      expect(s.status).toBe('completed');
      expect(s.order).toBeDefined();
    });
  });

  describe('refunds', () => {
    it('partial then full refund append adjustments; amount_refunded is cumulative', async () => {
      const { t, id } = await readySession();
      const done = (await t.service.completeSession(id, { payment_data: paymentData() }, ctx()))
        .body as CheckoutSession;
      const orderId = done.order!.id;
      const partial = await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'r1' });
      expect(partial.status).toBe(200);
      const again = await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'r1' });
      expect(again.status).toBe(200);
      const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'r2' });
      const order = rest.body as { totals: { type: string; amount: number }[]; adjustments: unknown[] };
      expect(order.adjustments).toHaveLength(2);
      const total = done.totals.find((x) => x.type === 'total')!.amount;
      expect(order.totals.find((x) => x.type === 'amount_refunded')?.amount).toBe(total);
      expectSchemaValid(rest, 'Order');
      const tooMuch = await t.service.refundOrder(orderId, { amount: 1, idempotencyKey: 'r3' });
      expect(tooMuch.status).toBe(400);
      // The replayed refund (same key → same PSP refund) changes nothing, so it emits no update.
      expect(t.events.events.map((e) => e.type)).toEqual(['order_created', 'order_updated', 'order_updated']);
    });
  });

  describe('refund ledger (one entry per refund, latest status)', () => {
    const refundedOf = (r: { body: unknown }) =>
      (r.body as { totals?: { type: string; amount: number }[] }).totals?.find(
        (x) => x.type === 'amount_refunded',
      )?.amount ?? 0;
    async function paidOrder() {
      const { t, id } = await readySession();
      const done = (await t.service.completeSession(id, { payment_data: paymentData() }, ctx()))
        .body as CheckoutSession;
      const total = done.totals.find((x) => x.type === 'total')!.amount;
      return { t, orderId: done.order!.id, total };
    }

    it('21.74 order: 5.00 pending → succeeded, then "the rest" refunds 16.74 (not 11.74)', async () => {
      const { t, orderId, total } = await paidOrder();
      expect(total).toBe(2174);
      t.gateway.setRefundBehaviour('pending');
      const five = await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'r-five' });
      expect(five.status).toBe(200);
      expect(refundedOf(five)).toBe(0);
      // The webhooks: pending (duplicate of what the answer said), then succeeded.
      const order = (await t.service.getOrder(orderId))!;
      const pendingEvent = {
        type: 'refund.updated' as const,
        paymentId: order.paymentId!,
        refundId: order.order.adjustments![0]!.id.replace(/^adj_/, ''),
        amount: 500,
        currency: 'usd',
        status: 'pending' as const,
      };
      expect(await t.service.handlePaymentEvent(pendingEvent)).toMatchObject({ applied: false });
      for (const e of t.gateway.settleRefunds()) await t.service.handlePaymentEvent(e);
      // A late, reordered `pending` does not win over `succeeded`.
      expect(await t.service.handlePaymentEvent(pendingEvent)).toMatchObject({ applied: false });
      t.gateway.setRefundBehaviour('succeed');
      const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'r-rest' });
      expect(rest.status).toBe(200);
      expect(refundedOf(rest)).toBe(2174);
      const adjustments = (rest.body as { adjustments: { amount: number; status: string }[] }).adjustments;
      expect(adjustments.map((a) => [a.amount, a.status])).toEqual([
        [500, 'completed'],
        [1674, 'completed'],
      ]);
      expectSchemaValid(rest, 'Order');
      const more = await t.service.refundOrder(orderId, { amount: 1, idempotencyKey: 'r-more' });
      expect(more.body).toMatchObject({ code: 'invalid', param: '$.amount' });
    });

    it('a pending refund reserves its amount; a refund that succeeds and later fails stops counting', async () => {
      const { t, orderId, total } = await paidOrder();
      t.gateway.setRefundBehaviour('pending');
      await t.service.refundOrder(orderId, { amount: 500, idempotencyKey: 'p1' });
      // While 5.00 is pending, only total − 5.00 can be refunded.
      const tooMuch = await t.service.refundOrder(orderId, { amount: total - 499, idempotencyKey: 'p2' });
      expect(tooMuch.body).toMatchObject({ code: 'invalid', param: '$.amount' });
      for (const e of t.gateway.settleRefunds()) await t.service.handlePaymentEvent(e);

      t.gateway.setRefundBehaviour('fail_later');
      const second = await t.service.refundOrder(orderId, { amount: 700, idempotencyKey: 'f1' });
      expect(refundedOf(second)).toBe(1200);
      const failed = t.gateway.settleRefunds()[0] as Extract<PaymentEvent, { type: 'refund.updated' }>;
      expect(failed.status).toBe('failed');
      expect(await t.service.handlePaymentEvent(failed)).toEqual({ applied: true });
      // A stale `succeeded` redelivered after the failure changes nothing.
      expect(await t.service.handlePaymentEvent({ ...failed, status: 'succeeded' })).toMatchObject({
        applied: false,
      });
      const order = (await t.service.getOrder(orderId))!;
      expect(refundTotals(order)).toEqual({ refunded: 500, pending: 0, refundable: total - 500 });
      t.gateway.setRefundBehaviour('succeed');
      const rest = await t.service.refundOrder(orderId, { idempotencyKey: 'f2' });
      expect(refundedOf(rest)).toBe(total);
    });

    it('two concurrent "rest" refunds never exceed the capture: one refund, one typed error', async () => {
      const { t, orderId, total } = await paidOrder();
      const [a, b] = await Promise.all([
        t.service.refundOrder(orderId, { idempotencyKey: 'c1' }),
        t.service.refundOrder(orderId, { idempotencyKey: 'c2' }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 502]);
      const order = (await t.service.getOrder(orderId))!;
      expect(refundTotals(order)).toMatchObject({ refunded: total, refundable: 0 });
    });
  });

  describe('recovery', () => {
    it('a crash after the charge (attempt pending) is recovered into exactly one order', async () => {
      const { t, id } = await readySession();
      t.gateway.injectFaults('lost_response');
      await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
      expect((await t.store.getSession(id))?.state.status).toBe('complete_in_progress');
      const r = await t.service.recoverPendingPayments();
      expect(r).toEqual({ resumed: 1, stillPending: 0 });
      expect((await t.store.getSession(id))?.state.status).toBe('completed');
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1);
      expect(await t.service.recoverPendingPayments()).toEqual({ resumed: 0, stillPending: 0 });
    });

    it('a PSP rate limit answers 429 rate_limited with Retry-After (never stored); the same key then pays', async () => {
      const { t, id } = await readySession();
      t.gateway.injectFaults('rate_limited');
      const limited = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: 'rl' }),
      );
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'rate_limited' });
      expect(limited.headers['retry-after']).toBe('1');
      expectSchemaValid(limited);
      const retried = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: 'rl' }),
      );
      expect(retried.replayed).toBe(false);
      expect((retried.body as CheckoutSession).status).toBe('completed');
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1);
    });

    it('a PSP outage before the charge leaves nothing charged and the retry pays once', async () => {
      const { t, id } = await readySession();
      t.gateway.injectFaults('network_before', 'server_error');
      const a = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: 'p' }),
      );
      expect(a.status).toBe(503);
      const b = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: 'p' }),
      );
      expect(b.status).toBe(503);
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(0);
      const c = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: 'p' }),
      );
      expect((c.body as CheckoutSession).status).toBe('completed');
      expect(t.gateway.succeededChargesFor(id)).toHaveLength(1);
      // the declined token after success cannot charge again
      const d = await t.service.completeSession(
        id,
        { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) },
        ctx(),
      );
      expect(d.status).toBe(409);
      expect(t.gateway.charges.filter((x) => x.sessionId === id)).toHaveLength(1);
    });
  });
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('contact email (core README, readings of the spec 8)', () => {
  it('fulfillment_details.email satisfies the email needed before payment; no email anywhere does not', async () => {
    const t = createTestCheckout();
    const address = {
      name: 'Ada Lovelace',
      line_one: '1 Analytical Way',
      city: 'San Francisco',
      state: 'CA',
      country: 'US',
      postal_code: '94131',
    };
    const created = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: { interventions: { supported: [] } },
        fulfillment_details: { name: 'Ada Lovelace', address },
      },
      ctx(),
    );
    const s = created.body as CheckoutSession;
    const option = s.fulfillment_options[0]!;
    const chosen = await t.service.updateSession(
      s.id,
      {
        selected_fulfillment_options: [{ type: 'shipping', option_id: option.id, item_ids: ['mug_classic'] }],
      },
      ctx(),
    );
    const noEmail = chosen.body as CheckoutSession;
    expect(noEmail.status).toBe('not_ready_for_payment');
    expect(noEmail.messages.map((m) => ('param' in m ? m.param : undefined))).toContain('$.buyer.email');
    const withEmail = await t.service.updateSession(
      s.id,
      { fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address } },
      ctx(),
    );
    expect((withEmail.body as CheckoutSession).status).toBe('ready_for_payment');
    expectSchemaValid(withEmail);
  });
});
