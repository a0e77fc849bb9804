// createStripeTestPaymentsProvider: the glue behind collect_payment_info (formerly copied into the demo store
// and the test stacks). Real stripe client against the emulator over HTTP.
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeTestPaymentsProvider, StripeAdapterError } from '../src/index.js';

let emulator: StripeEmulator;
let rawEmulator: StripeEmulator;
const KEY = 'sk_test_provider_0123456789';
const PAN = '4242424242424242';

beforeAll(async () => {
  emulator = await startStripeEmulator();
  rawEmulator = await startStripeEmulator({ allowRawCards: true });
});
afterAll(async () => {
  await emulator.close();
  await rawEmulator.close();
});

const client = (e: StripeEmulator, key = KEY) => new Stripe(key, { ...e.stripeConfig, maxNetworkRetries: 0 });

describe('createStripeTestPaymentsProvider', () => {
  it('mints a token limited to the checkout from a test PaymentMethod (ISO expiry, amount, currency)', async () => {
    const provider = createStripeTestPaymentsProvider(client(emulator), { secretKey: KEY });
    expect(provider).toMatchObject({ mode: 'test', rawCardsEnabled: false });
    const before = Date.now();
    const t = await provider!.createTestToken({
      sessionId: 'cs_1',
      paymentMethodId: 'pm_card_visa',
      amount: 2174,
      currency: 'usd',
    });
    expect(t.shared_payment_token).toMatch(/^spt_/);
    expect(t).toMatchObject({ max_amount: 2174, currency: 'usd' });
    const expires = Date.parse(t.expires_at);
    expect(expires).toBeGreaterThan(before);
    expect(expires).toBeLessThanOrEqual(before + 30 * 60_000 + 1000);
    expect(new Date(expires).toISOString()).toBe(t.expires_at);
  });

  it('is absent for a live key or a client whose key cannot be read, whatever the options say', () => {
    expect(createStripeTestPaymentsProvider(new Stripe('sk_live_abcdef123456'))).toBeUndefined();
    expect(
      createStripeTestPaymentsProvider(new Stripe('rk_live_abcdef123456'), { allowRawCards: true }),
    ).toBeUndefined();
    const opaque = new Stripe(
      null as unknown as string,
      {
        authenticator: async (request: { headers: Record<string, string> }) => {
          await Promise.resolve();
          request.headers.Authorization = 'Bearer sk_live_from_vault_123456';
        },
      } as unknown as Stripe.StripeConfig,
    );
    expect(createStripeTestPaymentsProvider(opaque, { secretKey: KEY })).toBeUndefined();
  });

  it('refuses a secretKey that is not the client key (typed error, key not echoed)', () => {
    let error: unknown;
    try {
      createStripeTestPaymentsProvider(client(emulator), { secretKey: 'sk_test_other_key_999999' });
    } catch (e) {
      error = e;
    }
    expect(StripeAdapterError.isInstance(error)).toBe(true);
    expect((error as StripeAdapterError).code).toBe('live_mode_forbidden');
    expect((error as Error).message).not.toContain('other_key_999999');
  });

  it('raw cards only when enabled; the card number is never in the answer or the error', async () => {
    const off = createStripeTestPaymentsProvider(client(rawEmulator));
    const card = { number: PAN, expMonth: 12, expYear: 2034, cvc: '123' };
    const refused = await off!
      .createTestToken({ sessionId: 'cs_1', card, amount: 500, currency: 'usd' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(StripeAdapterError.isInstance(refused)).toBe(true);
    expect((refused as StripeAdapterError).code).toBe('raw_cards_disabled');
    expect(JSON.stringify(refused)).not.toContain(PAN);

    const on = createStripeTestPaymentsProvider(client(rawEmulator), { allowRawCards: true });
    expect(on?.rawCardsEnabled).toBe(true);
    const t = await on!.createTestToken({ sessionId: 'cs_1', card, amount: 500, currency: 'usd' });
    expect(t.shared_payment_token).toMatch(/^spt_/);
    expect(JSON.stringify(t)).not.toContain(PAN);
  });

  it('an unknown PaymentMethod is a typed invalid_argument', async () => {
    const provider = createStripeTestPaymentsProvider(client(emulator));
    const e = await provider!
      .createTestToken({ sessionId: 'cs_1', paymentMethodId: 'pm_card_nope', amount: 500, currency: 'usd' })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(StripeAdapterError.isInstance(e)).toBe(true);
    expect((e as StripeAdapterError).code).toBe('invalid_argument');
  });
});
