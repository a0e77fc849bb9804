// The Stripe test-mode suite: what the gateway promises, run against a real Stripe account in test mode
// (`STRIPE_TEST_SECRET_KEY=sk_test_… pnpm test:stripe`, see real-stripe.stripe.ts) and, in the normal test
// run, against the project's emulator (emulator.test.ts), so that the suite itself never rots.
//
// It covers: the PaymentGatewayV1 contract (charge, same-key replay, decline, 3-D Secure, reconcile), the SPT
// test helper and its usage limits, the decline table, refunds (partial, the rest, over-refund refused) and a
// hosted Checkout link (create, read back, expire). Every object it creates carries the run's id in its
// metadata, and charges are counted with the List API (search lags up to a minute on Stripe).
import { paymentGatewayContract } from '@acp/core/contracts';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStripeGateway,
  createStripeTestPayments,
  DEFAULT_SPT_API_VERSION,
  METADATA_KEYS,
  retrieveGrantedToken,
  type StripeGateway,
  type StripeTestPayments,
} from '../../src/index.js';

export interface TestModeTarget {
  /** `stripe` (api.stripe.com) or `emulator`. */
  name: string;
  stripe: Stripe;
  /** The key the client was built with (a test key). */
  secretKey: string;
  close?: () => Promise<void>;
}

const RUN = `acp${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let counter = 0;
const sessionId = (tag: string) => `cs_${RUN}_${tag}_${++counter}`;

interface Kit {
  target: TestModeTarget;
  gateway: StripeGateway;
  payments: StripeTestPayments;
  startedAt: number;
}

function makeKit(target: TestModeTarget): Kit {
  const gateway = createStripeGateway({
    stripe: target.stripe,
    paymentLinks: {
      successUrl: 'https://shop.example/paid?cs={CHECKOUT_SESSION_ID}',
      cancelUrl: 'https://shop.example/cart',
    },
    authentication: {
      acquirerBin: '424242',
      acquirerCountry: 'US',
      acquirerMerchantId: 'acct_test_mode_suite',
      merchantName: 'ACP test-mode suite',
    },
  });
  const payments = createStripeTestPayments({ stripe: target.stripe, secretKey: target.secretKey });
  return { target, gateway, payments, startedAt: Math.floor(Date.now() / 1000) - 60 };
}

/** Succeeded PaymentIntents of one ACP session, by the List API (read-after-write safe, unlike search). */
async function succeededFor(kit: Kit, sid: string): Promise<number> {
  let n = 0;
  for await (const pi of kit.target.stripe.paymentIntents.list({
    created: { gte: kit.startedAt },
    limit: 100,
  })) {
    if (pi.metadata?.[METADATA_KEYS.sessionId] === sid && pi.status === 'succeeded') n++;
  }
  return n;
}

function chargeRequest(sid: string, token: string, amount: number, attempt = 1) {
  return {
    sessionId: sid,
    attemptId: `${sid}:${attempt}`,
    attemptNumber: attempt,
    idempotencyKey: `acp_${sid}_attempt_${attempt}`,
    amount,
    currency: 'usd',
    handlerId: 'card_tokenized',
    instrumentType: 'card',
    credential: { type: 'spt', token },
    metadata: { checkout_session_id: sid, attempt: String(attempt), acp_test_run: RUN },
  };
}

export function stripeTestModeSuite(connect: () => Promise<TestModeTarget>): void {
  let kit: Kit | undefined;
  const ready = async (): Promise<Kit> => {
    kit ??= makeKit(await connect());
    return kit;
  };
  afterAll(async () => {
    await kit?.target.close?.();
  });

  paymentGatewayContract(
    'stripe test mode',
    async () => {
      const k = await ready();
      const token = async (pm: string, amount: number, currency: string) =>
        (await k.payments.tokenFromPaymentMethod(pm, { amount, currency })).shared_payment_token;
      return {
        gateway: k.gateway,
        tokens: {
          succeeds: (amount, currency) => token('pm_card_visa', amount, currency),
          declines: (amount, currency) => token('pm_card_visa_chargeDeclined', amount, currency),
          requiresAction: (amount, currency) => token('pm_card_authenticationRequired', amount, currency),
        },
        succeededCharges: (sid) => succeededFor(k, sid),
        now: () => new Date(),
      };
    },
    { threeDSecure: true, reconcile: true },
  );

  describe('Shared Payment Token test helper', () => {
    let k: Kit;
    beforeAll(async () => {
      k = await ready();
    });

    it('mints a granted token bound to the checkout (currency, max_amount, expiry)', async () => {
      const t = await k.payments.tokenFromPaymentMethod('pm_card_visa', { amount: 2174, currency: 'usd' });
      expect(t.shared_payment_token).toMatch(/^spt_/);
      const granted = await retrieveGrantedToken(
        k.target.stripe,
        t.shared_payment_token,
        DEFAULT_SPT_API_VERSION,
      );
      expect(granted.usageLimits).toEqual({ currency: 'usd', maxAmount: 2174, expiresAt: t.expires_at });
      expect(granted.deactivatedAt ?? null).toBeNull();
    });

    it('a charge above the token limit is refused before Stripe is asked to charge', async () => {
      const sid = sessionId('overlimit');
      const t = await k.payments.tokenFromPaymentMethod('pm_card_visa', { amount: 1000, currency: 'usd' });
      const r = await k.gateway.charge(chargeRequest(sid, t.shared_payment_token, 1001));
      expect(r.status).toBe('declined');
      expect(await succeededFor(k, sid)).toBe(0);
    });

    it('a revoked token cannot pay', async () => {
      const sid = sessionId('revoked');
      const t = await k.payments.tokenFromPaymentMethod('pm_card_visa', { amount: 1000, currency: 'usd' });
      await k.payments.revokeToken(t.shared_payment_token);
      const r = await k.gateway.charge(chargeRequest(sid, t.shared_payment_token, 1000));
      expect(r.status).toBe('declined');
      expect(await succeededFor(k, sid)).toBe(0);
    });
  });

  describe('declines', () => {
    let k: Kit;
    beforeAll(async () => {
      k = await ready();
    });

    it.each([
      ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card', undefined],
      ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', undefined],
    ])('%s → declined %s/%s with a buyer-safe message', async (pm, code, declineCode) => {
      const sid = sessionId('decline');
      const t = await k.payments.tokenFromPaymentMethod(pm, { amount: 1500, currency: 'usd' });
      const r = await k.gateway.charge(chargeRequest(sid, t.shared_payment_token, 1500));
      expect(r.status).toBe('declined');
      if (r.status === 'declined') {
        expect(r.code).toBe(code);
        if (declineCode) expect(r.declineCode).toBe(declineCode);
        expect(r.message).not.toMatch(/\d{12,19}/);
      }
      expect(await succeededFor(k, sid)).toBe(0);
    });
  });

  describe('refunds', () => {
    let k: Kit;
    beforeAll(async () => {
      k = await ready();
    });

    it('refunds 5.00 of 21.74, then the rest; a further refund is refused by Stripe', async () => {
      const sid = sessionId('refund');
      const t = await k.payments.tokenFromPaymentMethod('pm_card_visa', { amount: 2174, currency: 'usd' });
      const paid = await k.gateway.charge(chargeRequest(sid, t.shared_payment_token, 2174));
      expect(paid.status).toBe('succeeded');
      if (paid.status !== 'succeeded') return;
      const refund = k.gateway.refund!;
      const first = await refund({
        orderId: `ord_${sid}`,
        paymentId: paid.paymentId,
        amount: 500,
        currency: 'usd',
        idempotencyKey: `${sid}_r1`,
      });
      expect(first).toMatchObject({ amount: 500, currency: 'usd' });
      expect(['succeeded', 'pending']).toContain(first.status);
      const rest = await refund({
        orderId: `ord_${sid}`,
        paymentId: paid.paymentId,
        amount: 1674,
        currency: 'usd',
        idempotencyKey: `${sid}_r2`,
      });
      expect(rest).toMatchObject({ amount: 1674 });
      const over = await refund({
        orderId: `ord_${sid}`,
        paymentId: paid.paymentId,
        amount: 1,
        currency: 'usd',
        idempotencyKey: `${sid}_r3`,
      });
      expect(over.status).toBe('failed');
      const refunds = await k.target.stripe.refunds.list({ payment_intent: paid.paymentId, limit: 10 });
      expect(refunds.data.map((r) => r.amount).sort((a, b) => a - b)).toEqual([500, 1674]);
    });
  });

  describe('hosted Checkout link', () => {
    let k: Kit;
    beforeAll(async () => {
      k = await ready();
    });

    it('creates a payable link with the session total, reads it back, and expires it', async () => {
      const sid = sessionId('link');
      const created = await k.gateway.createPaymentLink!({
        sessionId: sid,
        attemptId: `${sid}:1`,
        idempotencyKey: `acp_${sid}_attempt_1`,
        amount: 3098,
        currency: 'usd',
        lines: [{ name: 'Test mug', quantity: 2, unitAmount: 1299 }],
        shipping: { title: 'Standard', amount: 500 },
        tax: 0,
        expiresAt: new Date(Date.now() + 45 * 60_000).toISOString(),
        metadata: { checkout_session_id: sid, acp_test_run: RUN },
      });
      expect(created.status).toBe('created');
      if (created.status !== 'created') return;
      expect(created.url).toMatch(/^https?:\/\//);
      const session = await k.target.stripe.checkout.sessions.retrieve(created.linkId);
      expect(session.status).toBe('open');
      expect(session.amount_total).toBe(3098);
      expect(session.payment_status).toBe('unpaid');
      const closed = await k.gateway.expirePaymentLink!(created.linkId);
      expect(closed.status).toBe('expired');
      const after = await k.target.stripe.checkout.sessions.retrieve(created.linkId);
      expect(after.status).toBe('expired');
    });
  });
}
