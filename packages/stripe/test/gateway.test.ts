// The gateway against the emulator with the real stripe-node client: outcomes, declines, token limits,
// 3DS, retries and reconciliation.
import type { ChargeRequest, PaymentAttempt } from '@acp/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStripeGateway, DECLINE_MESSAGES } from '../src/index.js';
import { chargeRequests, type Setup, setup } from './fixture.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(async () => {
  await s.emulator.close();
});
afterEach(() => {
  s.emulator.setFaults({});
});

const request = chargeRequests('cs_gw_');

const attemptOf = (req: ChargeRequest, extra: Partial<PaymentAttempt> = {}): PaymentAttempt => ({
  id: req.attemptId,
  sessionId: req.sessionId,
  number: req.attemptNumber,
  kind: 'charge',
  idempotencyKey: req.idempotencyKey,
  status: 'pending',
  amount: req.amount,
  currency: req.currency,
  createdAt: '2026-11-24T00:00:00.000Z',
  updatedAt: '2026-11-24T00:00:00.000Z',
  ...extra,
});

const CARD_DIGITS = /\d{12,19}/;

describe('charging an SPT', () => {
  it('succeeds with brand/last4 only, sends the preview version on SPT calls only, metadata and the key', async () => {
    const req = request(await s.token('pm_card_mastercard', 2599));
    const r = await s.gateway.charge(req);
    expect(r).toMatchObject({
      status: 'succeeded',
      amount: 2599,
      currency: 'usd',
      card: { brand: 'mastercard', last4: '4444' },
    });
    const log = s.emulator.requests.filter(
      (x) => x.path.includes('granted_tokens/') || x.idempotencyKey === req.idempotencyKey,
    );
    expect(log.map((x) => [x.method, x.path.replace(/spt_\w+/, 'spt'), x.stripeVersion])).toEqual([
      ['GET', '/v1/shared_payment/granted_tokens/spt', '2026-04-22.preview'],
      ['POST', '/v1/payment_intents', '2026-04-22.preview'],
    ]);
    const [pi] = s.succeededFor(req.sessionId);
    expect(pi?.metadata).toMatchObject({
      checkout_session_id: req.sessionId,
      acp_attempt_id: req.attemptId,
      acp_idempotency_key: req.idempotencyKey,
    });
    expect(pi?.automatic_payment_methods).toEqual({ enabled: true, allow_redirects: 'never' });
    // Refunds are not SPT calls: they use the client's default version.
    if (r.status !== 'succeeded') throw new Error('unreachable');
    await s.gateway.refund!({
      orderId: 'ord_1',
      paymentId: r.paymentId,
      currency: 'usd',
      amount: 100,
      idempotencyKey: `ref_${req.sessionId}`,
    });
    expect(s.emulator.requests.find((x) => x.idempotencyKey === `ref_${req.sessionId}`)?.stripeVersion).toBe(
      '2026-10-28.endive',
    );
  });

  it('listRefunds reads every refund of a PaymentIntent with its status (refunds made before an order)', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    const r = await s.gateway.charge(req);
    if (r.status !== 'succeeded') throw new Error('expected a payment');
    expect(await s.gateway.listRefunds!(r.paymentId)).toEqual([]);
    const first = await s.gateway.refund!({
      orderId: 'ord_lr',
      paymentId: r.paymentId,
      currency: 'usd',
      amount: 100,
      reason: 'requested_by_customer',
      idempotencyKey: `lr1_${req.sessionId}`,
    });
    const second = await s.gateway.refund!({
      orderId: 'ord_lr',
      paymentId: r.paymentId,
      currency: 'usd',
      amount: 200,
      idempotencyKey: `lr2_${req.sessionId}`,
    });
    if (first.status === 'failed' || second.status === 'failed') throw new Error('expected refunds');
    const listed = await s.gateway.listRefunds!(r.paymentId);
    expect([...listed].sort((a, b) => a.amount - b.amount)).toEqual([
      {
        refundId: first.refundId,
        status: 'succeeded',
        amount: 100,
        currency: 'usd',
        reason: 'requested_by_customer',
      },
      { refundId: second.refundId, status: 'succeeded', amount: 200, currency: 'usd' },
    ]);
    expect(s.emulator.requests.some((x) => x.method === 'GET' && x.path.startsWith('/v1/refunds'))).toBe(
      true,
    );
  });

  it('the top-level token parameter (older docs) is configurable', async () => {
    const gw = createStripeGateway({
      stripe: s.stripe,
      sptParameter: 'top_level',
      sptApiVersion: '2026-07-29.preview',
    });
    const req = request(await s.token('pm_card_visa', 2599));
    expect((await gw.charge(req)).status).toBe('succeeded');
    expect(s.emulator.requests.find((x) => x.idempotencyKey === req.idempotencyKey)?.stripeVersion).toBe(
      '2026-07-29.preview',
    );
  });

  const declines = [
    ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline', DECLINE_MESSAGES.generic_decline],
    [
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      'card_declined',
      'insufficient_funds',
      DECLINE_MESSAGES.insufficient_funds,
    ],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card', DECLINE_MESSAGES.generic_decline],
    [
      'pm_card_visa_chargeDeclinedStolenCard',
      'card_declined',
      'stolen_card',
      DECLINE_MESSAGES.generic_decline,
    ],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', undefined, DECLINE_MESSAGES.expired_card],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', undefined, DECLINE_MESSAGES.incorrect_cvc],
    [
      'pm_card_chargeDeclinedProcessingError',
      'processing_error',
      undefined,
      DECLINE_MESSAGES.processing_error,
    ],
    [
      'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
      'card_declined',
      'card_velocity_exceeded',
      DECLINE_MESSAGES.card_velocity_exceeded,
    ],
    ['pm_card_radarBlock', 'card_declined', 'fraudulent', DECLINE_MESSAGES.generic_decline],
  ] as const;
  it.each(declines)('%s → declined %s/%s with a safe message', async (pm, code, declineCode, message) => {
    const req = request(await s.token(pm, 2599));
    const r = await s.gateway.charge(req);
    expect(r).toMatchObject({ status: 'declined', code, message });
    if (r.status !== 'declined') throw new Error('unreachable');
    expect(r.declineCode).toBe(declineCode);
    expect(r.paymentId).toMatch(/^pi_/);
    expect(r.message).not.toMatch(CARD_DIGITS);
    expect(r.message).not.toMatch(/lost|stolen|fraud|radar/i);
    expect(s.succeededFor(req.sessionId)).toHaveLength(0);
    // The same attempt again gives the same answer (Stripe replays the saved 402) and never charges.
    expect(await s.gateway.charge(req)).toEqual(r);
  });
});

describe('token usage limits are checked before charging', () => {
  const cases: [string, () => Promise<string>, Partial<ChargeRequest>, string][] = [
    ['wrong currency', () => s.token('pm_card_visa', 5000, 'eur'), {}, 'currency'],
    ['max_amount below the total', () => s.token('pm_card_visa', 1000), {}, 'amount'],
    [
      'revoked',
      async () => {
        const t = await s.token('pm_card_visa', 2599);
        await s.payments.revokeToken(t);
        return t;
      },
      {},
      'revoked',
    ],
    ['unknown', async () => 'spt_doesNotExist0001', {}, 'not_found'],
  ];
  it.each(cases)(
    '%s → declined token_unusable, and no PaymentIntent is created',
    async (_name, make, overrides, problem) => {
      const req = request(await make(), overrides);
      const r = await s.gateway.charge(req);
      expect(r).toMatchObject({ status: 'declined', code: 'token_unusable', declineCode: problem });
      if (r.status === 'declined') expect(r.message).toMatch(/token/);
      expect(s.emulator.requests.some((x) => x.idempotencyKey === req.idempotencyKey)).toBe(false);
    },
  );

  it('expired (gateway clock past expires_at)', async () => {
    const token = await s.token('pm_card_visa', 2599);
    const gw = createStripeGateway({ stripe: s.stripe, now: () => Date.now() + 31 * 60 * 1000 });
    expect(await gw.charge(request(token))).toMatchObject({
      status: 'declined',
      code: 'token_unusable',
      declineCode: 'expired',
    });
  });

  it('a token consumed by another attempt: Stripe refuses it, still token_unusable, one charge', async () => {
    const token = await s.token('pm_card_visa', 2599);
    const first = request(token);
    expect((await s.gateway.charge(first)).status).toBe('succeeded');
    const other = request(token);
    expect(await s.gateway.charge(other)).toMatchObject({
      status: 'declined',
      code: 'token_unusable',
      declineCode: 'consumed',
    });
    expect(s.succeededFor(other.sessionId)).toHaveLength(0);
  });
});

describe('3D Secure', () => {
  it('requires_action → authentication_metadata; the continuation confirms with the 3DS result', async () => {
    const req = request(await s.token('pm_card_authenticationRequired', 2599));
    const r = await s.gateway.charge(req);
    expect(r).toMatchObject({
      status: 'requires_action',
      authenticationMetadata: {
        directory_server: 'visa',
        acquirer_details: {
          acquirer_bin: '424242',
          acquirer_country: 'US',
          acquirer_merchant_id: 'acct_test',
          merchant_name: 'Test Shop',
        },
      },
    });
    if (r.status !== 'requires_action') throw new Error('unreachable');
    const cont = {
      ...req,
      attemptId: `${req.sessionId}:2`,
      attemptNumber: 2,
      idempotencyKey: `acp_${req.sessionId}_attempt_2`,
      continuePaymentId: r.paymentId,
      authenticationResult: {
        outcome: 'authenticated' as const,
        outcome_details: {
          three_ds_cryptogram: 'AAAB',
          electronic_commerce_indicator: '05' as const,
          transaction_id: 'tx_1',
          version: '2.2.0',
        },
      },
    };
    // Before the continuation reaches Stripe, the PaymentIntent still waits: nothing was charged, and the
    // PaymentIntent itself proves it (the engine confirms under its key, or returns to authentication_required).
    expect(
      await s.gateway.reconcile!(
        attemptOf(cont, { paymentId: r.paymentId, continuesAttemptId: req.attemptId }),
      ),
    ).toEqual({ status: 'not_found', proof: 'payment' });
    const done = await s.gateway.charge(cont);
    expect(done).toMatchObject({ status: 'succeeded', paymentId: r.paymentId, amount: 2599 });
    expect(s.succeededFor(req.sessionId)).toHaveLength(1);
    expect(
      await s.gateway.reconcile!(
        attemptOf(cont, { paymentId: r.paymentId, continuesAttemptId: req.attemptId }),
      ),
    ).toEqual(done);
  });

  it('authenticated then declined → declined with the documented code', async () => {
    const req = request(await s.token('pm_card_authenticationRequiredChargeDeclinedInsufficientFunds', 2599));
    const r = await s.gateway.charge(req);
    if (r.status !== 'requires_action') throw new Error(`expected requires_action, got ${r.status}`);
    const done = await s.gateway.charge({
      ...req,
      idempotencyKey: `${req.idempotencyKey}_3ds`,
      continuePaymentId: r.paymentId,
      authenticationResult: {
        outcome: 'authenticated',
        outcome_details: {
          three_ds_cryptogram: 'AAAB',
          electronic_commerce_indicator: '05',
          transaction_id: 'tx_2',
          version: '2.2.0',
        },
      },
    });
    expect(done).toMatchObject({
      status: 'declined',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
    });
  });
});

describe('network errors, 5xx and 429', () => {
  it('dropped connections → retryable_failure with no charge; the same key later charges once', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({
      kind: 'drop_connection',
      method: 'POST',
      path: '/v1/payment_intents',
      times: 2,
    });
    expect(await s.gateway.charge(req)).toMatchObject({ status: 'retryable_failure', reason: 'network' });
    expect(s.succeededFor(req.sessionId)).toHaveLength(0);
    expect(await s.gateway.charge(req)).toMatchObject({ status: 'succeeded' });
    expect(s.succeededFor(req.sessionId)).toHaveLength(1);
  });

  it('a 5xx is saved under the key (as Stripe does): the same key gets it again and never charges', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({ kind: 'server_error', method: 'POST', path: '/v1/payment_intents' });
    expect(await s.gateway.charge(req)).toMatchObject({
      status: 'retryable_failure',
      reason: 'server_error',
    });
    expect(await s.gateway.charge(req)).toMatchObject({
      status: 'retryable_failure',
      reason: 'server_error',
    });
    expect(s.succeededFor(req.sessionId)).toHaveLength(0);
    // The List API (read-after-write consistent) scanned the whole window: proof that nothing was charged.
    expect(await s.gateway.reconcile!(attemptOf(req))).toEqual({ status: 'not_found', proof: 'list' });
    // A new key (what core does once it proved nothing was charged) charges once.
    expect(await s.gateway.charge({ ...req, idempotencyKey: `${req.idempotencyKey}_2` })).toMatchObject({
      status: 'succeeded',
    });
    expect(s.succeededFor(req.sessionId)).toHaveLength(1);
  });

  it('429 is retried with the same idempotency key, then reported as rate_limited', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({ kind: 'rate_limited', method: 'POST', path: '/v1/payment_intents', times: 2 });
    expect((await s.gateway.charge(req)).status).toBe('succeeded');
    const tries = s.emulator.requests.filter((x) => x.idempotencyKey === req.idempotencyKey);
    expect(tries.map((x) => x.status)).toEqual([429, 429, 200]);
    const again = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({ kind: 'rate_limited', method: 'POST', path: '/v1/payment_intents', times: 3 });
    expect(await s.gateway.charge(again)).toMatchObject({
      status: 'retryable_failure',
      reason: 'rate_limited',
    });
    expect(s.succeededFor(again.sessionId)).toHaveLength(0);
  });

  it('a lost response after a committed charge: reconcile finds it by search and never charges again', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({ kind: 'lost_response', method: 'POST', path: '/v1/payment_intents', times: 2 });
    expect(await s.gateway.charge(req)).toMatchObject({ status: 'retryable_failure', reason: 'network' });
    expect(s.succeededFor(req.sessionId)).toHaveLength(1);
    const found = await s.gateway.reconcile!(attemptOf(req));
    expect(found).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
    // The engine may also simply charge again with the same key: the token is consumed, yet Stripe replays.
    expect(await s.gateway.charge(req)).toEqual(found);
    expect(s.succeededFor(req.sessionId)).toHaveLength(1);
  });

  it('reconcile by paymentId; a declined attempt reconciles as declined; an unknown one is not_found', async () => {
    const ok = request(await s.token('pm_card_visa', 2599));
    const charged = await s.gateway.charge(ok);
    if (charged.status !== 'succeeded') throw new Error('unreachable');
    expect(await s.gateway.reconcile!(attemptOf(ok, { paymentId: charged.paymentId }))).toEqual(charged);
    const bad = request(await s.token('pm_card_visa_chargeDeclinedInsufficientFunds', 2599));
    const declined = await s.gateway.charge(bad);
    expect(await s.gateway.reconcile!(attemptOf(bad))).toEqual(declined);
    expect(await s.gateway.reconcile!(attemptOf(request('spt_x')))).toEqual({
      status: 'not_found',
      proof: 'list',
    });
  });

  it('reconcile lists exactly the window core gives (plus clock slack) and a scan cut short is no proof', async () => {
    const req = request(await s.token('pm_card_visa', 2599));
    s.emulator.injectFaults({ kind: 'server_error_executed', method: 'POST', path: '/v1/payment_intents' });
    expect(await s.gateway.charge(req)).toMatchObject({
      status: 'retryable_failure',
      reason: 'server_error',
    });
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    // A window of sends that covers the charge finds it (search would not: it lags a minute by default).
    expect(
      await s.gateway.reconcile!(attemptOf(req), { sentFrom: at(-60_000), sentUntil: at(60_000) }),
    ).toMatchObject({ status: 'succeeded' });
    const lists = s.emulator.requests.filter((r) => r.method === 'GET' && r.path === '/v1/payment_intents');
    const q = new URLSearchParams(lists.at(-1)!.body);
    expect(Number(q.get('created[gte]'))).toBe(Math.floor((now - 60_000) / 1000) - 300);
    expect(Number(q.get('created[lte]'))).toBe(Math.ceil((now + 60_000) / 1000) + 300);
    // A window that ended long before the charge does not see it (and says so only as a list proof).
    expect(
      await s.gateway.reconcile!(attemptOf(req), { sentFrom: at(-3_600_000), sentUntil: at(-3_000_000) }),
    ).toEqual({ status: 'not_found', proof: 'list' });
    // More PaymentIntents in the window than the scan limit: inconclusive, search is only evidence.
    const capped = createStripeGateway({ stripe: s.stripe, reconcileListLimit: 100 });
    for (let i = 0; i < 100; i++) await s.stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    const other = attemptOf(request('spt_y', { idempotencyKey: 'acp_never_sent' }));
    const window = { sentFrom: at(-60_000), sentUntil: at(60_000) };
    const cut = await capped.reconcile!(other, window);
    expect(cut).toEqual({ status: 'not_found', proof: 'search', resumeAfter: expect.stringMatching(/^pi_/) });
    const none = createStripeGateway({ stripe: s.stripe, reconcileListLimit: 100, reconcileBy: 'none' });
    expect(await none.reconcile!(other, window)).toEqual({
      status: 'not_found',
      proof: 'none',
      resumeAfter: expect.stringMatching(/^pi_/),
    });
    // Review 2 (R2-3): the next call continues after where the scan stopped, so the parts add up to a complete
    // scan: a list proof for a key without a payment, and the older payment of one that has it.
    const resumeAfter = (cut as { resumeAfter: string }).resumeAfter;
    expect(await capped.reconcile!(other, { ...window, resumeAfter })).toEqual({
      status: 'not_found',
      proof: 'list',
    });
    expect(await capped.reconcile!(attemptOf(req), window)).toMatchObject({ status: 'not_found' });
    expect(await capped.reconcile!(attemptOf(req), { ...window, resumeAfter })).toMatchObject({
      status: 'succeeded',
    });
  });
});
