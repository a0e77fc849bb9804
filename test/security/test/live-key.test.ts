// A live Stripe key disables every test-only path, whatever the configuration: createStripeTestPayments
// throws a typed error at construction (so raw cards are refused), `collect_payment_info` is absent from
// tools/list and cannot be called, and the emulator refuses live keys.
import { createTestCheckout } from '@acp/core/testing';
import { createAcpMcpServerFactory, type TestPaymentsProvider } from '@acp/mcp-server';
import { createStripeTestPayments, StripeAdapterError } from '@acp/stripe';
import { startStripeEmulator } from '@acp/stripe-emulator';
import { Client, InMemoryTransport, ProtocolError } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../src/oracle.js';

const liveKey = fc
  .tuple(
    fc.constantFrom('sk_live_', 'rk_live_'),
    fc.string({ unit: fc.constantFrom(...'abcXYZ0189_'.split('')), maxLength: 40 }),
  )
  .map(([p, s]) => p + s);

const options = fc.record({
  allowRawCards: fc.option(fc.boolean(), { nil: undefined }),
  tokenLifetimeSeconds: fc.option(fc.integer({ min: -10, max: 100_000 }), { nil: undefined }),
  sptApiVersion: fc.option(fc.constantFrom('2026-04-22.preview', 'x'), { nil: undefined }),
});

/** How an application wires the test provider: only if the helpers accept the key. */
function testPaymentsFor(secretKey: string, allowRawCards: boolean): TestPaymentsProvider | undefined {
  try {
    const helpers = createStripeTestPayments({ stripe: new Stripe(secretKey), secretKey, allowRawCards });
    return {
      mode: 'test',
      rawCardsEnabled: helpers.rawCardsEnabled,
      createTestToken: async () => {
        throw new Error('unused');
      },
    };
  } catch (e) {
    if (StripeAdapterError.isInstance(e)) return undefined;
    throw e;
  }
}

async function toolsOf(testPayments: TestPaymentsProvider | undefined) {
  const checkout = createTestCheckout();
  const server = createAcpMcpServerFactory({
    service: checkout.service,
    catalog: checkout.catalog,
    ...(testPayments ? { testPayments } : {}),
  })();
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'live-key-check', version: '1.0.0' });
  await client.connect(a);
  return {
    client,
    names: (await client.listTools()).tools.map((t) => t.name),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

describe('a live key disables every test-only path', () => {
  it('createStripeTestPayments throws live_mode_forbidden at construction, whatever the options; the key is not echoed', () => {
    fc.assert(
      fc.property(liveKey, options, (key, opts) => {
        let thrown: unknown;
        try {
          createStripeTestPayments({ stripe: new Stripe(key), secretKey: key, ...opts });
        } catch (e) {
          thrown = e;
        }
        expect(StripeAdapterError.isInstance(thrown)).toBe(true);
        const err = thrown as StripeAdapterError;
        expect(err.code).toBe('live_mode_forbidden');
        if (key.length > 8) expect(err.message).not.toContain(key);
      }),
      { numRuns: fuzzRuns(200), seed: fuzzSeed() },
    );
    // Anything that is not a test secret key is refused too.
    for (const key of ['', 'pk_test_abc', 'sk_prod_abc', 'whsec_abc', 'sk_test_', ' sk_test_abc']) {
      expect(() =>
        createStripeTestPayments({ stripe: new Stripe('sk_test_x'), secretKey: key, allowRawCards: true }),
      ).toThrow(expect.objectContaining({ code: 'live_mode_forbidden' }));
    }
  });

  it('collect_payment_info is absent from tools/list and cannot be called with a live key, even with raw cards asked for', async () => {
    for (const key of ['sk_live_51Habc', 'rk_live_51Habc']) {
      const provider = testPaymentsFor(key, true);
      expect(provider).toBeUndefined();
      const t = await toolsOf(provider);
      try {
        expect(t.names).not.toContain('collect_payment_info');
        expect(t.names).toContain('complete_checkout_session');
        const e = await t.client
          .callTool({
            name: 'collect_payment_info',
            arguments: {
              sessionId: 'cs_1',
              cardNumber: '4242424242424242',
              expMonth: 12,
              expYear: 2031,
              cvc: '7319',
            },
          })
          .catch((err: unknown) => err);
        expect(e).toBeInstanceOf(ProtocolError);
        expect((e as ProtocolError).code).toBe(-32602);
      } finally {
        await t.close();
      }
    }
    // A provider that says it is live is ignored by the factory, raw cards or not; it is never called.
    let called = 0;
    const live: TestPaymentsProvider = {
      mode: 'live',
      rawCardsEnabled: true,
      createTestToken: async () => {
        called++;
        throw new Error('must not be called');
      },
    };
    const t = await toolsOf(live);
    try {
      expect(t.names).not.toContain('collect_payment_info');
      await t.client
        .callTool({
          name: 'collect_payment_info',
          arguments: { sessionId: 'cs_1', paymentMethodId: 'pm_card_visa' },
        })
        .catch(() => undefined);
      expect(called).toBe(0);
    } finally {
      await t.close();
    }
    // Control: the same wiring with a test key does register it.
    const test = await toolsOf(testPaymentsFor('sk_test_abc', false));
    try {
      expect(test.names).toContain('collect_payment_info');
    } finally {
      await test.close();
    }
  });

  it('the mode comes from the client: a live-key client beside a test-key string cannot mint tokens or send raw cards; nothing reaches /v1/payment_methods', async () => {
    const emulator = await startStripeEmulator({ allowRawCards: true, liveAccount: true });
    const card = { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '7319' };
    const request = { amount: 500, currency: 'usd' };
    try {
      // 1. The key is readable from the client: refused at construction, whatever string is passed beside it.
      const live = new Stripe('sk_live_51Habc', { ...emulator.stripeConfig, maxNetworkRetries: 0 });
      for (const secretKey of ['sk_test_abc', undefined]) {
        expect(() =>
          createStripeTestPayments({
            stripe: live,
            ...(secretKey ? { secretKey } : {}),
            allowRawCards: true,
          }),
        ).toThrow(expect.objectContaining({ code: 'live_mode_forbidden' }));
      }
      // 2. The key is hidden (custom authenticator): the account's livemode decides before anything is sent.
      const hidden = new Stripe('', {
        ...emulator.stripeConfig,
        maxNetworkRetries: 0,
        authenticator: async (r) => {
          await Promise.resolve();
          r.headers.Authorization = 'Bearer sk_live_51Habc';
        },
      });
      const helpers = createStripeTestPayments({
        stripe: hidden,
        secretKey: 'sk_test_abc',
        allowRawCards: true,
      });
      for (const attempt of [
        () => helpers.tokenFromCard(card, request),
        () => helpers.tokenFromPaymentMethod('pm_card_visa', request),
        () => helpers.tokenFromCard(card, request),
      ]) {
        const e = await attempt().catch((err: unknown) => err);
        expect(StripeAdapterError.isInstance(e)).toBe(true);
        expect(e).toMatchObject({ code: 'live_mode_forbidden' });
        expect(JSON.stringify(e)).not.toMatch(/4242424242424242|7319/);
      }
      expect(emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/balance']);
      expect(emulator.requests.some((r) => r.path.includes('payment_methods'))).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it('a client whose authenticator switches to a live key never sends a card number with it', async () => {
    const emulator = await startStripeEmulator({ allowRawCards: true });
    try {
      let current = 'sk_test_rotating_key_123';
      const stripe = new Stripe('', {
        ...emulator.stripeConfig,
        maxNetworkRetries: 0,
        // e.g. a key fetched from a secrets manager on each request
        authenticator: async (r) => {
          await Promise.resolve();
          r.headers.Authorization = `Bearer ${current}`;
        },
      });
      const helpers = createStripeTestPayments({ stripe, allowRawCards: true });
      const card = { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '7319' };
      await helpers.tokenFromPaymentMethod('pm_card_visa', { amount: 500, currency: 'usd' });
      current = 'sk_live_rotated_key_456'; // the operator goes live
      const e = await helpers
        .tokenFromCard(card, { amount: 500, currency: 'usd' })
        .catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'live_mode_forbidden' });
      const cardRequestsWithLiveKey = emulator.requests.filter(
        (r) => r.path === '/v1/payment_methods' && r.body.includes('4242424242424242') && r.status === 401,
      );
      expect(cardRequestsWithLiveKey).toEqual([]);
      // The key cannot be read from such a client, so no raw card is ever sent with it, live or not.
      expect(emulator.requests.some((r) => r.path === '/v1/payment_methods')).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it('the emulator refuses live keys, so a live key can never mint a card PaymentMethod there either', async () => {
    const emulator = await startStripeEmulator({ allowRawCards: true });
    try {
      const stripe = new Stripe('sk_live_51Habc', { ...emulator.stripeConfig, maxNetworkRetries: 0 });
      const e = await stripe.paymentMethods
        .create({
          type: 'card',
          card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '7319' },
        })
        .catch((err: unknown) => err);
      expect(e).toMatchObject({ statusCode: 401 });
      expect(JSON.stringify(e)).not.toMatch(/4242424242424242|7319/);
      expect(emulator.paymentIntents()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
