import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientKeyMode,
  createStripeTestPayments,
  createVerifiedStripeTestPayments,
  StripeAdapterError,
} from '../src/index.js';

let emulator: StripeEmulator;
let rawEmulator: StripeEmulator;
let stripe: Stripe;
let rawStripe: Stripe;
const KEY = 'sk_test_payments';
const PAN = '4000000000009995';

beforeAll(async () => {
  emulator = await startStripeEmulator();
  rawEmulator = await startStripeEmulator({ allowRawCards: true });
  stripe = new Stripe(KEY, { ...emulator.stripeConfig, maxNetworkRetries: 0 });
  rawStripe = new Stripe(KEY, { ...rawEmulator.stripeConfig, maxNetworkRetries: 0 });
});
afterAll(async () => {
  await emulator.close();
  await rawEmulator.close();
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function rejected(p: Promise<unknown>): Promise<StripeAdapterError> {
  try {
    await p;
  } catch (e) {
    if (StripeAdapterError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a StripeAdapterError');
}

describe('live keys make every test-only function impossible', () => {
  it.each(['sk_live_abc', 'rk_live_abc', 'pk_test_abc', 'garbage', ''])(
    '%s → live_mode_forbidden at construction',
    (key) => {
      const e = thrown(() => createStripeTestPayments({ stripe, secretKey: key, allowRawCards: true }));
      expect(StripeAdapterError.isInstance(e)).toBe(true);
      expect((e as StripeAdapterError).code).toBe('live_mode_forbidden');
      expect(String((e as Error).message)).not.toContain(key || '\u0000');
    },
  );

  it('isInstance works on the Symbol.for brand (across package copies), not on the prototype chain', () => {
    const e = new StripeAdapterError('invalid_argument', 'x');
    expect(StripeAdapterError.isInstance(e)).toBe(true);
    const fromAnotherCopy = Object.assign(new Error('x'), {
      [Symbol.for('@acp/stripe/StripeAdapterError')]: true,
    });
    expect(StripeAdapterError.isInstance(fromAnotherCopy)).toBe(true);
    expect(StripeAdapterError.isInstance(null)).toBe(false);
    expect(StripeAdapterError.isInstance(new Error('x'))).toBe(false);
  });
});

describe('the mode comes from the client, not from a string beside it', () => {
  const LIVE = 'sk_live_51HliveKeyForTheGuardTest';
  const card = { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' };
  const req = { amount: 100, currency: 'usd' };

  it('clientKeyMode reads the key the client sends', () => {
    expect(clientKeyMode(new Stripe('sk_test_x', { ...rawEmulator.stripeConfig }))).toBe('test');
    expect(clientKeyMode(new Stripe('rk_live_x', { ...rawEmulator.stripeConfig }))).toBe('live');
    expect(
      clientKeyMode(new Stripe('', { ...rawEmulator.stripeConfig, authenticator: async () => undefined })),
    ).toBe('unknown');
  });

  it('a live-key client beside a test-key string: refused at construction, nothing reaches Stripe', async () => {
    const live = await startStripeEmulator({ allowRawCards: true, liveAccount: true });
    try {
      const client = new Stripe(LIVE, { ...live.stripeConfig, maxNetworkRetries: 0 });
      for (const secretKey of [KEY, undefined]) {
        const e = thrown(() =>
          createStripeTestPayments({
            stripe: client,
            ...(secretKey ? { secretKey } : {}),
            allowRawCards: true,
          }),
        );
        expect(StripeAdapterError.isInstance(e)).toBe(true);
        expect(e).toMatchObject({ code: 'live_mode_forbidden' });
        expect(String((e as Error).message)).not.toContain(LIVE);
      }
      await expect(
        createVerifiedStripeTestPayments({ stripe: client, secretKey: KEY, allowRawCards: true }),
      ).rejects.toMatchObject({ code: 'live_mode_forbidden' });
      expect(live.requests).toEqual([]);
    } finally {
      await live.close();
    }
  });

  it('a client whose key cannot be read (custom authenticator) on a live account: raw cards and tokens impossible, no /v1/payment_methods', async () => {
    const live = await startStripeEmulator({ allowRawCards: true, liveAccount: true });
    try {
      const client = new Stripe('', {
        ...live.stripeConfig,
        maxNetworkRetries: 0,
        authenticator: async (request) => {
          await Promise.resolve();
          request.headers.Authorization = `Bearer ${LIVE}`;
        },
      });
      const p = createStripeTestPayments({ stripe: client, secretKey: KEY, allowRawCards: true });
      expect((await rejected(p.tokenFromCard(card, req))).code).toBe('live_mode_forbidden');
      expect((await rejected(p.tokenFromPaymentMethod('pm_card_visa', req))).code).toBe(
        'live_mode_forbidden',
      );
      expect((await rejected(p.assertTestMode())).code).toBe('live_mode_forbidden');
      // One account check, then nothing: the live answer is final.
      expect(live.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/balance']);
      expect(live.requests.some((r) => r.path.startsWith('/v1/payment_methods'))).toBe(false);
      expect(JSON.stringify(live.requests)).not.toContain('4242');
    } finally {
      await live.close();
    }
  });

  it('a test client checks the account once for tokens, and again before every raw card PaymentMethod', async () => {
    const fresh = await startStripeEmulator({ allowRawCards: true });
    try {
      const client = new Stripe(KEY, { ...fresh.stripeConfig, maxNetworkRetries: 0 });
      const p = await createVerifiedStripeTestPayments({
        stripe: client,
        secretKey: KEY,
        allowRawCards: true,
      });
      await p.tokenFromCard(card, req);
      await p.tokenFromPaymentMethod('pm_card_visa', req);
      await p.tokenFromCard(card, req);
      expect(fresh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /v1/balance',
        'GET /v1/balance',
        'POST /v1/payment_methods',
        'POST /v1/test_helpers/shared_payment/granted_tokens',
        'POST /v1/test_helpers/shared_payment/granted_tokens',
        'GET /v1/balance',
        'POST /v1/payment_methods',
        'POST /v1/test_helpers/shared_payment/granted_tokens',
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('raw cards need a readable test key on the client: a custom authenticator is refused before any request, even on a test account', async () => {
    const fresh = await startStripeEmulator({ allowRawCards: true });
    try {
      const client = new Stripe('', {
        ...fresh.stripeConfig,
        maxNetworkRetries: 0,
        authenticator: async (request) => {
          await Promise.resolve();
          request.headers.Authorization = `Bearer ${KEY}`;
        },
      });
      expect(clientKeyMode(client)).toBe('unknown');
      const p = createStripeTestPayments({ stripe: client, allowRawCards: true });
      const e = await rejected(p.tokenFromCard(card, req));
      expect([e.code, e.param]).toEqual(['live_mode_forbidden', 'stripe']);
      expect(e.message).not.toContain('4242');
      expect(fresh.requests).toEqual([]);
      // pm_card_* tokens still work with such a client (the account check decides).
      await p.tokenFromPaymentMethod('pm_card_visa', req);
      expect(fresh.requests.some((r) => r.path.startsWith('/v1/payment_methods'))).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('a key that turns live after the first check: the next raw card is refused, nothing reaches /v1/payment_methods with it', async () => {
    const fresh = await startStripeEmulator({ allowRawCards: true });
    try {
      let current = KEY;
      const client = new Stripe('', {
        ...fresh.stripeConfig,
        maxNetworkRetries: 0,
        // A synchronous authenticator is readable: the key it sends is checked every time.
        authenticator: (request) => {
          request.headers.Authorization = `Bearer ${current}`;
          return Promise.resolve();
        },
      });
      const p = createStripeTestPayments({ stripe: client, allowRawCards: true });
      await p.tokenFromCard(card, req);
      current = LIVE;
      expect((await rejected(p.tokenFromCard(card, req))).code).toBe('live_mode_forbidden');
      expect((await rejected(p.tokenFromPaymentMethod('pm_card_visa', req))).code).toBe(
        'live_mode_forbidden',
      );
      const cardRequests = fresh.requests.filter((r) => r.path === '/v1/payment_methods');
      expect(cardRequests).toHaveLength(1);
      expect(cardRequests.every((r) => r.status === 200)).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('a secretKey that is not the client key is refused', () => {
    const e = thrown(() =>
      createStripeTestPayments({ stripe: new Stripe('sk_test_one'), secretKey: 'sk_test_other' }),
    );
    expect(e).toMatchObject({ code: 'live_mode_forbidden', param: 'secretKey' });
  });
});

describe('pm_card_* → test SPT', () => {
  it('binds the token to the checkout: currency, max_amount = total, expiry <= 30 min', async () => {
    const now = Date.now();
    const p = createStripeTestPayments({ stripe, secretKey: KEY, now: () => now });
    const t = await p.tokenFromPaymentMethod('pm_card_visa', {
      amount: 4321,
      currency: 'USD',
      expiresInSeconds: 7200,
    });
    expect(t).toEqual({
      shared_payment_token: expect.stringMatching(/^spt_/),
      max_amount: 4321,
      currency: 'usd',
      expires_at: Math.floor(now / 1000) + 30 * 60,
      card: { brand: 'visa', last4: '4242' },
    });
    const granted = (await stripe.rawRequest(
      'GET',
      `/v1/shared_payment/granted_tokens/${t.shared_payment_token}`,
      {},
    )) as {
      usage_limits: unknown;
    };
    expect(granted.usage_limits).toEqual({ currency: 'usd', max_amount: 4321, expires_at: t.expires_at });
  });

  it('validates input with clear messages', async () => {
    const p = createStripeTestPayments({ stripe, secretKey: KEY });
    expect(
      (await rejected(p.tokenFromPaymentMethod('tok_visa', { amount: 100, currency: 'usd' }))).param,
    ).toBe('paymentMethod');
    expect(
      (await rejected(p.tokenFromPaymentMethod('pm_card_visa', { amount: 0, currency: 'usd' }))).param,
    ).toBe('amount');
    expect(
      (await rejected(p.tokenFromPaymentMethod('pm_card_visa', { amount: 10, currency: 'dollars' }))).param,
    ).toBe('currency');
    const unknown = await rejected(
      p.tokenFromPaymentMethod('pm_card_nope', { amount: 100, currency: 'usd' }),
    );
    expect([unknown.code, unknown.param]).toEqual(['invalid_argument', 'paymentMethod']);
  });
});

describe('raw test card numbers', () => {
  it('are off by default', async () => {
    const p = createStripeTestPayments({ stripe: rawStripe, secretKey: KEY });
    expect(p.rawCardsEnabled).toBe(false);
    const e = await rejected(
      p.tokenFromCard(
        { number: PAN, exp_month: 12, exp_year: 2030, cvc: '123' },
        { amount: 100, currency: 'usd' },
      ),
    );
    expect(e.code).toBe('raw_cards_disabled');
    expect(e.message).not.toContain(PAN);
  });

  it('when enabled (and a test key): PaymentMethod → token; the number is never echoed', async () => {
    const p = createStripeTestPayments({ stripe: rawStripe, secretKey: KEY, allowRawCards: true });
    const t = await p.tokenFromCard(
      { number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2030, cvc: '123' },
      { amount: 1500, currency: 'usd' },
    );
    expect(t.card).toEqual({ brand: 'visa', last4: '4242' });
    expect(JSON.stringify(t)).not.toContain('4242424242424242');
    for (const [card, param] of [
      [{ number: '4242-42', exp_month: 12, exp_year: 2030 }, 'card.number'],
      [{ number: PAN, exp_month: 13, exp_year: 2030 }, 'card.exp_month'],
      [{ number: PAN, exp_month: 12, exp_year: 30 }, 'card.exp_year'],
      [{ number: PAN, exp_month: 12, exp_year: 2030, cvc: '12' }, 'card.cvc'],
    ] as const) {
      const e = await rejected(p.tokenFromCard(card, { amount: 100, currency: 'usd' }));
      expect([e.code, e.param]).toEqual(['invalid_argument', param]);
      expect(e.message).not.toMatch(/\d{6,}/);
    }
    const luhn = await rejected(
      p.tokenFromCard(
        { number: '4242424242424241', exp_month: 12, exp_year: 2030 },
        { amount: 100, currency: 'usd' },
      ),
    );
    expect([luhn.code, luhn.stripeCode]).toEqual(['card_rejected', 'incorrect_number']);
    expect(luhn.message).not.toContain('4242424242424241');
    expect(luhn.cause).toBeUndefined();
  });

  it('an account without raw card access refuses; the error carries no card data', async () => {
    const p = createStripeTestPayments({ stripe, secretKey: KEY, allowRawCards: true });
    const e = await rejected(
      p.tokenFromCard({ number: PAN, exp_month: 12, exp_year: 2030 }, { amount: 100, currency: 'usd' }),
    );
    expect(e.code).toBe('stripe_request_failed');
    expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(PAN);
  });
});
