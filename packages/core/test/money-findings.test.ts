// Engine rules behind the money findings of the payments review (the Stripe end-to-end regressions are in
// packages/stripe/test/money-review-findings.test.ts): what may close an attempt whose key answered a 5xx,
// refunds whose order does not exist yet, duplicate payments, and payment-link reuse.
import { describe, expect, it } from 'vitest';
import type {
  CheckoutSession,
  Logger,
  PaymentGatewayV1,
  ReconcileProof,
  ReconcileResult,
} from '../src/index.js';
import { createMemoryGateway, createTestCheckout, MEMORY_TEST_TOKENS } from '../src/testing/index.js';
import { ctx, hungLateCharge, paymentData } from './helpers.js';

async function ready(t: ReturnType<typeof createTestCheckout>) {
  const r = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      capabilities: {},
      buyer: { email: 'ada@example.com' },
    },
    ctx(),
  );
  const s = r.body as CheckoutSession;
  expect(s.status).toBe('ready_for_payment');
  return { id: s.id, total: s.totals.find((x) => x.type === 'total')!.amount };
}

/** The memory PSP whose misses carry another proof (its 5xx faults are not saved: inject one per send). */
function withProof(proof: ReconcileProof) {
  const memory = createMemoryGateway();
  const gateway: PaymentGatewayV1 = {
    ...memory,
    async reconcile(attempt, window) {
      const r = await memory.reconcile!(attempt, window);
      // `searched: true` is what the port used to say for a search miss (which closed attempts then).
      return r.status === 'not_found'
        ? ({ status: 'not_found', proof, searched: true } as ReconcileResult)
        : r;
    },
  };
  return { memory, gateway };
}

function logger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = {
    warn: (message, fields) => void lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => void lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  return { log, lines };
}

describe('a 5xx saved under the key: closed only on proof (finding 1)', () => {
  for (const proof of ['search', 'none'] as const) {
    it(`a "${proof}" miss never closes the attempt, however long it waits`, async () => {
      const { memory, gateway } = withProof(proof);
      const t = createTestCheckout({ gateway });
      const { id } = await ready(t);
      memory.injectFaults(...Array<'server_error'>(20).fill('server_error'));
      const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
      expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }))).status).toBe(503);
      for (let i = 0; i < 6; i++) {
        t.clock.advance(3600_000);
        expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }))).status).toBe(503);
      }
      expect((await t.store.getSession(id))?.state.status).toBe('complete_in_progress');
      expect((await t.service.cancelSession(id, undefined, ctx())).body).toMatchObject({
        code: 'payment_in_progress',
      });
      expect(memory.succeededChargesFor(id)).toHaveLength(0);
    });
  }

  it('a "list" proof closes it once resends stopped and the key stayed quiet; the next attempt charges once', async () => {
    const { memory, gateway } = withProof('list');
    const t = createTestCheckout({ gateway });
    const { id } = await ready(t);
    memory.injectFaults('server_error', 'server_error');
    const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }))).status).toBe(503);
    t.clock.advance(301_000);
    // Past the grace period, but only one 5xx so far: resent once more under the same key (another 5xx).
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }))).status).toBe(503);
    const attempt = (await t.store.listPaymentAttempts(id))[0]!;
    expect(attempt.serverError).toMatchObject({ count: 2 });
    // Now the key must stay quiet for the grace period: no send, no close.
    t.clock.advance(100_000);
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }))).status).toBe(503);
    expect(memory.charges).toHaveLength(0);
    t.clock.advance(201_000);
    const done = await t.service.completeSession(id, body, ctx({ idempotencyKey: 'p' }));
    expect((done.body as CheckoutSession).status).toBe('completed');
    const attempts = await t.store.listPaymentAttempts(id);
    expect(attempts.map((a) => [a.number, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(memory.succeededChargesFor(id)).toHaveLength(1);
  });

  it('reconcile gets the window of every send of the key (first send .. last send + one lease)', async () => {
    const windows: unknown[] = [];
    const memory = createMemoryGateway();
    const gateway: PaymentGatewayV1 = {
      ...memory,
      async reconcile(attempt, window) {
        windows.push(window);
        return memory.reconcile!(attempt, window);
      },
    };
    const t = createTestCheckout({ gateway });
    const { id } = await ready(t);
    const start = t.clock.now().getTime();
    memory.injectFaults('network_before', 'network_before');
    const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'w' }))).status).toBe(503);
    t.clock.advance(16 * 60_000); // Stripe unreachable for a while: the next send is much later
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'w' }))).status).toBe(503);
    t.clock.advance(60_000);
    expect(
      ((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'w' }))).body as CheckoutSession)
        .status,
    ).toBe('completed');
    const iso = (ms: number) => new Date(start + ms).toISOString();
    expect(windows.at(-1)).toEqual({ sentFrom: iso(0), sentUntil: iso(17 * 60_000 + 60_000) });
  });
});

describe('refund events whose order does not exist yet (finding 6)', () => {
  it('a refund of one of our payments before its order throws (the PSP redelivers); foreign ones are ignored', async () => {
    const t = createTestCheckout();
    const { id } = await ready(t);
    // An open link: its payment's order may still appear.
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const refund = {
      type: 'refund.updated' as const,
      paymentId: 'pi_early',
      refundId: 're_early',
      amount: 100,
      currency: 'usd',
      status: 'succeeded' as const,
    };
    await expect(t.service.handlePaymentEvent({ ...refund, sessionId: id })).rejects.toMatchObject({
      code: 'payment_in_progress',
    });
    // Payable again with nothing pending: no order will appear for it (review 2, R2-4): answered, not redelivered.
    const linkId = link.url.split('/').pop()!;
    await t.service.handlePaymentEvent({ type: 'payment_link.expired', sessionId: id, linkId });
    expect(await t.service.handlePaymentEvent({ ...refund, sessionId: id })).toEqual({
      applied: false,
      reason: 'no_order',
    });
    expect(await t.service.handlePaymentEvent(refund)).toEqual({ applied: false, reason: 'unknown_payment' });
    expect(await t.service.handlePaymentEvent({ ...refund, sessionId: 'cs_not_ours' })).toEqual({
      applied: false,
      reason: 'unknown_payment',
    });
    // A completed session's order is another payment: a refund of a duplicate payment is not redelivered.
    await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    expect(await t.service.handlePaymentEvent({ ...refund, sessionId: id })).toEqual({
      applied: false,
      reason: 'unknown_payment',
    });
  });
});

describe('a second payment for a paid session (finding 4)', () => {
  it('is refunded as a duplicate (once, with an idempotency key from the payment), logged and reported', async () => {
    const { log, lines } = logger();
    const t = createTestCheckout({ logger: log });
    const { id, total } = await ready(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const linkId = link.url.split('/').pop()!;
    // The session becomes payable again while the link stays payable at the PSP.
    await t.service.handlePaymentEvent({ type: 'payment_link.expired', sessionId: id, linkId });
    await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    const order = (await t.service.getOrderBySession(id))!;
    const paid = t.gateway.payLink(linkId);
    for (let i = 0; i < 3; i++) {
      expect(await t.service.handlePaymentEvent(paid)).toEqual({
        applied: false,
        reason: 'duplicate_payment',
      });
    }
    const linkPayment = paid.type === 'payment_link.succeeded' ? paid.paymentId : '';
    expect(t.gateway.succeededChargesFor(id)).toHaveLength(2);
    expect((await t.service.getOrderBySession(id))?.paymentId).toBe(order.paymentId);
    // The memory PSP answers a repeated key with the first refund: one refund.
    const refunds = t.events.events.filter((e) => e.type === 'payment_refunded_duplicate');
    expect(
      new Set(refunds.map((e) => e.type === 'payment_refunded_duplicate' && e.refund.refundId)).size,
    ).toBe(1);
    expect(refunds[0]).toMatchObject({
      payment: { sessionId: id, orderId: order.order.id, paymentId: linkPayment, amount: total },
    });
    expect(lines.filter((l) => l.level === 'error' && l.fields?.paymentId === linkPayment).length).toBe(3);
    // Its own payment's event changes nothing.
    expect(
      await t.service.handlePaymentEvent({ ...paid, paymentId: order.paymentId! } as typeof paid),
    ).toEqual({ applied: false, reason: 'no_change' });
  });

  it('a link paid while a charge is in flight is not applied yet (the PSP redelivers it)', async () => {
    const t = createTestCheckout();
    const { id } = await ready(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const linkId = link.url.split('/').pop()!;
    await t.service.handlePaymentEvent({ type: 'payment_link.expired', sessionId: id, linkId });
    t.gateway.injectFaults('lost_response');
    expect((await t.service.completeSession(id, { payment_data: paymentData() }, ctx())).status).toBe(503);
    await expect(t.service.handlePaymentEvent(t.gateway.payLink(linkId))).rejects.toMatchObject({
      code: 'payment_in_progress',
    });
    expect((await t.store.getSession(id))?.state.status).toBe('complete_in_progress');
  });

  it('a refund the PSP cannot take now throws (redelivered); one it refuses is reported as unmatched', async () => {
    const { log, lines } = logger();
    const memory = createMemoryGateway();
    let refundAnswer: 'retryable' | 'refused' = 'retryable';
    const gateway: PaymentGatewayV1 = {
      ...memory,
      async refund() {
        return { status: 'failed', retryable: refundAnswer === 'retryable', message: 'No.' };
      },
    };
    const t = createTestCheckout({ gateway, logger: log });
    const { id } = await ready(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const linkId = link.url.split('/').pop()!;
    await t.service.handlePaymentEvent({ type: 'payment_link.expired', sessionId: id, linkId });
    await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    const paid = memory.payLink(linkId);
    await expect(t.service.handlePaymentEvent(paid)).rejects.toMatchObject({ code: 'payment_unavailable' });
    refundAnswer = 'refused';
    expect(await t.service.handlePaymentEvent(paid)).toEqual({ applied: false, reason: 'duplicate_payment' });
    expect(t.events.events.filter((e) => e.type === 'unmatched_payment')).toHaveLength(1);
    expect(lines.some((l) => l.level === 'error' && l.message.includes('could not refund'))).toBe(true);
  });
});

describe('a charge that succeeds after its attempt was closed (a send hung past its lease)', () => {
  it('is not dropped: the later payment is refunded as a duplicate and the order keeps the first', async () => {
    // The third send hangs in our process, past its lease; `release` lets it run at the PSP and answer.
    const hungSend = await hungLateCharge();
    const { t, memory, id, total, hung } = hungSend;
    const release = () => {
      hungSend.execute();
      hungSend.answer();
    };
    const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
    // Another request: the hung send's lease passed, the key is quiet, nothing is listed: closed; attempt 2 pays.
    const other = await t.service.completeSession(id, body, ctx({ idempotencyKey: 'b' }));
    expect((other.body as CheckoutSession).status).toBe('completed');
    const order = (await t.service.getOrderBySession(id))!;
    release();
    expect((await hung).status).toBe(200);
    expect(memory.succeededChargesFor(id)).toHaveLength(2);
    const late = memory.succeededChargesFor(id).find((c) => c.paymentId !== order.paymentId)!;
    expect((await t.service.getOrderBySession(id))?.paymentId).toBe(order.paymentId);
    expect(t.events.events.filter((e) => e.type === 'payment_refunded_duplicate')).toMatchObject([
      { payment: { sessionId: id, paymentId: late.paymentId, amount: total, orderId: order.order.id } },
    ]);
  });
});

describe('payment-link attempts (finding 7)', () => {
  it('a pending link attempt is reused only for an identical request', async () => {
    const requests: { idempotencyKey: string; buyerEmail?: string }[] = [];
    const memory = createMemoryGateway();
    let lose = true;
    const gateway: PaymentGatewayV1 = {
      ...memory,
      async createPaymentLink(request) {
        requests.push({
          idempotencyKey: request.idempotencyKey,
          ...(request.buyerEmail ? { buyerEmail: request.buyerEmail } : {}),
        });
        if (lose) return { status: 'retryable_failure', reason: 'network', message: 'lost' };
        return memory.createPaymentLink!(request);
      },
    };
    const t = createTestCheckout({ gateway });
    const { id } = await ready(t);
    expect((await t.service.createPaymentLink(id, { caller: 'agent_test' })).status).toBe(503);
    expect((await t.service.createPaymentLink(id, { caller: 'agent_test' })).status).toBe(503); // same request: reused
    // A declined complete changes the buyer (kept: the session stays payable).
    const declined = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.declines), buyer: { email: 'grace@example.com' } },
      ctx(),
    );
    expect((declined.body as CheckoutSession).status).toBe('ready_for_payment');
    lose = false;
    expect((await t.service.createPaymentLink(id, { caller: 'agent_test' })).status).toBe(200);
    expect(requests).toEqual([
      { idempotencyKey: `acp_${id}_attempt_1`, buyerEmail: 'ada@example.com' },
      { idempotencyKey: `acp_${id}_attempt_1`, buyerEmail: 'ada@example.com' },
      { idempotencyKey: `acp_${id}_attempt_3`, buyerEmail: 'grace@example.com' },
    ]);
  });
});

describe("review 2: payments that are not the session's, or do not cover it (R2-1)", () => {
  it('a link this session never opened neither completes it nor is refunded as its duplicate', async () => {
    const { log, lines } = logger();
    const t = createTestCheckout({ logger: log });
    const { id } = await ready(t);
    const foreign = {
      type: 'payment_link.succeeded' as const,
      sessionId: id,
      linkId: 'cs_someone_else',
      paymentId: 'pi_someone_else',
      amount: 100_000,
      currency: 'usd',
    };
    expect(await t.service.handlePaymentEvent(foreign)).toEqual({ applied: false, reason: 'unknown_link' });
    expect((await t.store.getSession(id))?.state.status).toBe('ready_for_payment');
    await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    expect(await t.service.handlePaymentEvent(foreign)).toEqual({ applied: false, reason: 'unknown_link' });
    expect(t.events.events.filter((e) => e.type.startsWith('payment_refunded'))).toEqual([]);
    expect(lines.filter((l) => l.level === 'error' && l.fields?.linkId === 'cs_someone_else')).toHaveLength(
      2,
    );
  });

  it('a short payment on our own link is refunded, no order; the session is payable again; an over-payment is placed', async () => {
    const { log, lines } = logger();
    const t = createTestCheckout({ logger: log });
    const { id, total } = await ready(t);
    const link = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const paid = t.gateway.payLink(link.url.split('/').pop()!);
    if (paid.type !== 'payment_link.succeeded') throw new Error('expected a payment');
    for (const short of [
      { ...paid, amount: total - 1 },
      { ...paid, currency: 'eur' },
    ]) {
      expect(await t.service.handlePaymentEvent(short)).toMatchObject({ reason: 'underpaid' });
    }
    expect(await t.service.getOrderBySession(id)).toBeNull();
    const state = (await t.store.getSession(id))!.state;
    expect(state.status).toBe('ready_for_payment');
    expect('paymentLink' in state).toBe(false);
    const refunded = t.events.events.filter((e) => e.type === 'payment_refunded_unmatched');
    expect(refunded).toHaveLength(2);
    // One refund for the payment, whatever the number of deliveries (one PSP key per payment).
    expect(
      new Set(refunded.map((e) => e.type === 'payment_refunded_unmatched' && e.refund.refundId)).size,
    ).toBe(1);
    expect(refunded[0]).toMatchObject({
      reason: 'underpaid',
      payment: { sessionId: id, paymentId: paid.paymentId, amount: total - 1 },
      expected: { amount: total, currency: 'usd' },
    });
    expect(lines.some((l) => l.level === 'error' && l.fields?.paymentId === paid.paymentId)).toBe(true);
    // The buyer pays again with a new link: an over-payment still places the order, flagged.
    const again = (await t.service.createPaymentLink(id, { caller: 'agent_test' })).body as { url: string };
    const over = t.gateway.payLink(again.url.split('/').pop()!);
    if (over.type !== 'payment_link.succeeded') throw new Error('expected a payment');
    expect(await t.service.handlePaymentEvent({ ...over, amount: total + 5 })).toEqual({ applied: true });
    expect(await t.service.getOrderBySession(id)).toMatchObject({
      paymentId: over.paymentId,
      paymentMismatch: { captured: { amount: total + 5 } },
    });
  });
});

describe('review 2: an uncharged saved-5xx attempt the gateway cannot prove is reported (R2-3)', () => {
  it('an error log and a payment_unconfirmed event name the attempt and its key', async () => {
    const { log, lines } = logger();
    const { memory, gateway } = withProof('search');
    const t = createTestCheckout({ gateway, logger: log });
    const { id } = await ready(t);
    memory.injectFaults(...Array<'server_error'>(4).fill('server_error'));
    const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
    expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'u' }))).status).toBe(503);
    expect(t.events.events.filter((e) => e.type === 'payment_unconfirmed')).toEqual([]);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(301_000);
      await t.service.recoverPendingPayments();
    }
    const reported = t.events.events.filter((e) => e.type === 'payment_unconfirmed');
    expect(reported.length).toBeGreaterThan(0);
    expect(reported[0]).toMatchObject({
      sessionId: id,
      attemptId: `${id}:1`,
      idempotencyKey: `acp_${id}_attempt_1`,
      proof: 'search',
    });
    expect(lines.some((l) => l.level === 'error' && l.fields?.attemptId === `${id}:1`)).toBe(true);
    expect((await t.store.getSession(id))?.state.status).toBe('complete_in_progress');
  });
});

describe('review 2: a charge that succeeds after its attempt was closed, for a session with no order', () => {
  it('becomes the order when the session can still take one (here: payable again); nothing is refunded', async () => {
    // The third send hangs in our process, past its lease; `release` lets it run at the PSP and answer.
    const hungSend = await hungLateCharge();
    const { t, memory, id, total, hung } = hungSend;
    const release = () => {
      hungSend.execute();
      hungSend.answer();
    };
    const _body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
    // The key is quiet, nothing is listed: recovery closes the attempt, the session is payable again. (A
    // buyer's cancel after that is not overridden: late-charges.test.ts.)
    await t.service.recoverPendingPayments();
    expect((await t.store.getSession(id))?.state.status).toBe('ready_for_payment');
    release();
    const answer = await hung;
    expect((answer.body as CheckoutSession).status).toBe('completed');
    expect(memory.succeededChargesFor(id)).toHaveLength(1);
    const order = (await t.service.getOrderBySession(id))!;
    expect(order).toMatchObject({ paymentId: memory.succeededChargesFor(id)[0]!.paymentId, amount: total });
    expect(order.paymentMismatch).toBeUndefined();
    expect((await t.store.getSession(id))?.state.status).toBe('completed');
    expect(
      t.events.events.filter((e) => e.type.startsWith('payment_refunded') || e.type === 'unmatched_payment'),
    ).toEqual([]);
    expect((await t.store.getPaymentAttempt(`${id}:1`))?.status).toBe('succeeded');
  });
});
