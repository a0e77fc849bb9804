// The emulator, driven by the real stripe-node client over HTTP and pinned to Stripe's documented tables
// (../shared/docs/stripe.md §2).
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  parseForm,
  type StripeEmulator,
  signWebhookPayload,
  startStripeEmulator,
  TEST_CARDS,
} from '../src/index.js';
import { client, postForm, startReceiver } from './helpers.js';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ webhookRetryDelaysMs: [5, 5, 5] });
  stripe = client(emulator);
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.setFaults({});
});

const rawCreate = (s: Stripe, params: Record<string, unknown>, options: Record<string, unknown> = {}) =>
  s.rawRequest('POST', '/v1/payment_intents', params, options) as Promise<Stripe.PaymentIntent>;

async function grantToken(pm: string, maxAmount = 2000, currency = 'usd', expiresAt?: number) {
  return (await stripe.rawRequest('POST', '/v1/test_helpers/shared_payment/granted_tokens', {
    payment_method: pm,
    usage_limits: { currency, max_amount: maxAmount, ...(expiresAt ? { expires_at: expiresAt } : {}) },
  })) as {
    id: string;
    usage_limits: { max_amount: number; currency: string };
    deactivated_reason: string | null;
  };
}

async function cardError(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Stripe.errors.StripeError) return e;
    throw e;
  }
  throw new Error('expected a Stripe error');
}

describe('wire format', () => {
  it('parses bracket-notation forms into nested objects and arrays', () => {
    expect(parseForm('a[b][0][c]=1&a[b][1][c]=2&expand[0]=x&m[k]=v%20w&flag=true')).toEqual({
      a: { b: [{ c: '1' }, { c: '2' }] },
      expand: ['x'],
      m: { k: 'v w' },
      flag: 'true',
    });
  });

  it('requires a Bearer test key and refuses live keys', async () => {
    const live = await cardError(client(emulator, 'sk_live_nope').paymentIntents.retrieve('pi_x'));
    expect(live).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const res = await fetch(`${emulator.url}/v1/payment_intents/pi_x`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('accepts any Stripe-Version and echoes it; unknown objects are 404 resource_missing', async () => {
    const e = await cardError(
      stripe.paymentIntents.retrieve('pi_missing', {}, { apiVersion: '2026-04-22.preview' }),
    );
    expect(e).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('resource_missing');
    expect(emulator.requests.at(-1)?.stripeVersion).toBe('2026-04-22.preview');
  });

  it('rejects unknown parameters like Stripe does', async () => {
    const e = await cardError(rawCreate(stripe, { amount: 1000, currency: 'usd', bogus: 'x' }));
    expect(e.code).toBe('parameter_unknown');
    expect(e.param).toBe('bogus');
  });
});

describe('test PaymentMethods (stripe.md §2)', () => {
  const success = [
    ['pm_card_visa', 'visa', '4242', 'credit'],
    ['pm_card_visa_debit', 'visa', '5556', 'debit'],
    ['pm_card_mastercard', 'mastercard', '4444', 'credit'],
    ['pm_card_mastercard_debit', 'mastercard', '8210', 'debit'],
    ['pm_card_mastercard_prepaid', 'mastercard', '5100', 'prepaid'],
    ['pm_card_amex', 'amex', '0005', 'credit'],
    ['pm_card_discover', 'discover', '1117', 'credit'],
    ['pm_card_diners', 'diners', '0004', 'credit'],
    ['pm_card_jcb', 'jcb', '0505', 'credit'],
    ['pm_card_unionpay', 'unionpay', '0005', 'credit'],
  ] as const;
  it.each(success)('%s succeeds as %s •••• %s', async (pm, brand, last4, funding) => {
    const pi = await stripe.paymentIntents.create({
      amount: 1234,
      currency: 'usd',
      confirm: true,
      payment_method: pm,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      expand: ['payment_method', 'latest_charge'],
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(1234);
    const card = (pi.payment_method as Stripe.PaymentMethod).card!;
    expect([card.brand, card.last4, card.funding]).toEqual([brand, last4, funding]);
    expect((pi.latest_charge as Stripe.Charge).outcome?.type).toBe('authorized');
  });

  const declines = [
    ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card'],
    ['pm_card_visa_chargeDeclinedStolenCard', 'card_declined', 'stolen_card'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', undefined],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', undefined],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', undefined],
    ['pm_card_visa_chargeDeclinedVelocityLimitExceeded', 'card_declined', 'card_velocity_exceeded'],
  ] as const;
  it.each(declines)(
    '%s → 402 card_error %s / %s with the PaymentIntent nested',
    async (pm, code, declineCode) => {
      const e = await cardError(
        stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: pm }),
      );
      expect(e).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(e.statusCode).toBe(402);
      expect(e.rawType).toBe('card_error');
      expect(e.code).toBe(code);
      expect(e.decline_code || undefined).toBe(declineCode);
      expect(e.message).toMatch(/card/i);
      const pi = e.payment_intent!;
      expect(pi.status).toBe('requires_payment_method');
      expect(pi.last_payment_error?.code).toBe(code);
      const retrieved = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
      expect((retrieved.latest_charge as Stripe.Charge).status).toBe('failed');
    },
  );

  it('pm_card_radarBlock is a card error whose charge outcome is blocked', async () => {
    const e = await cardError(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        confirm: true,
        payment_method: 'pm_card_radarBlock',
        expand: ['latest_charge'],
      }),
    );
    expect(e.code).toBe('card_declined');
    expect(e.decline_code).toBe('fraudulent');
    expect((e.payment_intent!.latest_charge as Stripe.Charge).outcome?.type).toBe('blocked');
  });

  const threeDS = [
    ['pm_card_authenticationRequired', 'succeeded'],
    ['pm_card_threeDSecure2Required', 'succeeded'],
    ['pm_card_authenticationRequiredOnSetup', 'succeeded'],
    ['pm_card_authenticationRequiredChargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_threeDSecureRequiredChargeDeclined', 'generic_decline'],
  ] as const;
  it.each(threeDS)('%s → requires_action; an imported 3DS result then gives %s', async (pm, after) => {
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      confirm: true,
      payment_method: pm,
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('use_stripe_sdk');
    const confirm = stripe.paymentIntents.confirm(pi.id, {
      payment_method_options: {
        card: {
          three_d_secure: {
            cryptogram: 'AAABBEg0VhI0VniQEjRWAAAAAAA=',
            transaction_id: 'a3f1c0de-0000-4000-8000-000000000001',
            version: '2.2.0',
            electronic_commerce_indicator: '05',
            ares_trans_status: 'Y',
          },
        },
      },
    });
    if (after === 'succeeded') expect((await confirm).status).toBe('succeeded');
    else expect((await cardError(confirm)).decline_code).toBe(after);
  });

  it('3DS: error_on_requires_action fails fast; the hosted 3DS page can fail authentication', async () => {
    const e = await cardError(
      stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        confirm: true,
        payment_method: 'pm_card_authenticationRequired',
        error_on_requires_action: true,
      }),
    );
    expect(e.code).toBe('authentication_required');
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_authenticationRequired',
      return_url: 'https://shop.example/back',
    });
    expect(pi.next_action?.redirect_to_url?.url).toContain(`/3ds/${pi.id}`);
    const page = await postForm(pi.next_action!.redirect_to_url!.url!, { action: 'fail' });
    expect(page.status).toBe(303);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('3DS optional / not supported cards succeed without action', async () => {
    for (const pm of ['pm_card_threeDSecureOptional', 'pm_card_amex_threeDSecureNotSupported']) {
      const pi = await stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        confirm: true,
        payment_method: pm,
      });
      expect(pi.status).toBe('succeeded');
    }
  });

  it('every table entry with a PaymentMethod can be retrieved', async () => {
    for (const c of TEST_CARDS.filter((x) => x.paymentMethod)) {
      const pm = await stripe.paymentMethods.retrieve(c.paymentMethod!);
      expect(pm.card?.last4).toBe(c.number.slice(-4));
    }
  });

  it('confirming a succeeded PaymentIntent again is payment_intent_unexpected_state', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    const e = await cardError(stripe.paymentIntents.confirm(pi.id));
    expect(e.code).toBe('payment_intent_unexpected_state');
    const canceled = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect((await stripe.paymentIntents.cancel(canceled.id)).status).toBe('canceled');
  });
});

describe('idempotency', () => {
  it('same key + same params replays the saved response (Idempotent-Replayed)', async () => {
    const params = { amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' };
    const a = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-same-1' });
    const b = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-same-1' });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(emulator.paymentIntents({ status: 'succeeded' }).filter((p) => p.id === a.id)).toHaveLength(1);
  });

  it('a saved card error is replayed too', async () => {
    const params = {
      amount: 1000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa_chargeDeclined',
    };
    const a = await cardError(stripe.paymentIntents.create(params, { idempotencyKey: 'idem-decline-1' }));
    const b = await cardError(stripe.paymentIntents.create(params, { idempotencyKey: 'idem-decline-1' }));
    expect(b.payment_intent?.id).toBe(a.payment_intent?.id);
    expect(b.headers?.['idempotent-replayed']).toBe('true');
  });

  it('same key + different params → 400 idempotency_error', async () => {
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'idem-diff-1' });
    const e = await cardError(
      stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'idem-diff-1' }),
    );
    expect(e).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(e.statusCode).toBe(400);
  });

  it('validation errors are not saved: the same key can be used after fixing nothing else', async () => {
    await cardError(rawCreate(stripe, { currency: 'usd' }, { idempotencyKey: 'idem-invalid-1' }));
    const e = await cardError(rawCreate(stripe, { currency: 'usd' }, { idempotencyKey: 'idem-invalid-1' }));
    expect(e.code).toBe('parameter_missing');
    expect(e.headers?.['idempotent-replayed']).toBeUndefined();
  });
});

describe('Shared Payment Tokens', () => {
  it('test helper grants a token; retrieve shows usage limits; a charge consumes it (single use)', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    const token = await grantToken('pm_card_visa', 2000, 'usd', expiresAt);
    expect(token.id).toMatch(/^spt_/);
    const retrieved = (await stripe.rawRequest(
      'GET',
      `/v1/shared_payment/granted_tokens/${token.id}`,
      {},
    )) as Record<string, unknown>;
    expect(retrieved).toMatchObject({
      object: 'shared_payment.granted_token',
      usage_limits: { currency: 'usd', max_amount: 2000, expires_at: expiresAt },
      deactivated_at: null,
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    });
    const pi = await rawCreate(
      stripe,
      {
        amount: 2000,
        currency: 'usd',
        confirm: true,
        payment_method_data: { shared_payment_granted_token: token.id },
        expand: ['payment_method'],
      },
      { apiVersion: '2026-04-22.preview' },
    );
    expect(pi.status).toBe('succeeded');
    expect(
      (pi.payment_method as unknown as { shared_payment_granted_token: string }).shared_payment_granted_token,
    ).toBe(token.id);
    const after = (await stripe.rawRequest(
      'GET',
      `/v1/shared_payment/granted_tokens/${token.id}`,
      {},
    )) as Record<string, unknown>;
    expect(after).toMatchObject({
      deactivated_reason: 'consumed',
      usage_details: { amount_captured: { value: 2000 } },
    });
    const again = await cardError(
      rawCreate(stripe, {
        amount: 100,
        currency: 'usd',
        confirm: true,
        payment_method_data: { shared_payment_granted_token: token.id },
      }),
    );
    expect(again.statusCode).toBe(400);
    expect(again.code).toBe('shared_payment_granted_token_unusable');
  });

  it('enforces currency, max_amount, revocation; accepts the legacy top-level parameter', async () => {
    const t = await grantToken('pm_card_visa', 1000, 'usd');
    expect(
      (
        await cardError(
          rawCreate(stripe, {
            amount: 1001,
            currency: 'usd',
            confirm: true,
            payment_method_data: { shared_payment_granted_token: t.id },
          }),
        )
      ).message,
    ).toMatch(/max_amount/);
    expect(
      (
        await cardError(
          rawCreate(stripe, {
            amount: 1000,
            currency: 'eur',
            confirm: true,
            payment_method_data: { shared_payment_granted_token: t.id },
          }),
        )
      ).message,
    ).toMatch(/currency/);
    const legacy = await rawCreate(stripe, {
      amount: 1000,
      currency: 'usd',
      confirm: true,
      shared_payment_granted_token: t.id,
    });
    expect(legacy.status).toBe('succeeded');
    const r = await grantToken('pm_card_visa');
    await stripe.rawRequest('POST', `/v1/test_helpers/shared_payment/granted_tokens/${r.id}/revoke`, {});
    const revoked = await cardError(
      rawCreate(stripe, {
        amount: 1000,
        currency: 'usd',
        confirm: true,
        payment_method_data: { shared_payment_granted_token: r.id },
      }),
    );
    expect(revoked.message).toMatch(/deactivated/);
  });

  it('expires tokens at expires_at (emulator clock)', async () => {
    let now = Date.now();
    const em = await startStripeEmulator({ now: () => now });
    try {
      const s = client(em);
      const t = (await s.rawRequest('POST', '/v1/test_helpers/shared_payment/granted_tokens', {
        payment_method: 'pm_card_visa',
        usage_limits: { currency: 'usd', max_amount: 1000, expires_at: Math.floor(now / 1000) + 60 },
      })) as { id: string };
      now += 61_000;
      const got = (await s.rawRequest('GET', `/v1/shared_payment/granted_tokens/${t.id}`, {})) as {
        deactivated_reason: string;
      };
      expect(got.deactivated_reason).toBe('expired');
      const e = await cardError(
        rawCreate(s, {
          amount: 1000,
          currency: 'usd',
          confirm: true,
          payment_method_data: { shared_payment_granted_token: t.id },
        }),
      );
      expect(e.message).toMatch(/expired/);
    } finally {
      await em.close();
    }
  });

  it('a decline PaymentMethod wrapped in a token declines with its documented code', async () => {
    const t = await grantToken('pm_card_visa_chargeDeclinedInsufficientFunds');
    const e = await cardError(
      rawCreate(stripe, {
        amount: 1000,
        currency: 'usd',
        confirm: true,
        payment_method_data: { shared_payment_granted_token: t.id },
      }),
    );
    expect([e.statusCode, e.code, e.decline_code]).toEqual([402, 'card_declined', 'insufficient_funds']);
  });
});

describe('raw card numbers', () => {
  it('are refused unless enabled, without echoing the number', async () => {
    const e = await cardError(
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
      }),
    );
    expect(e).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(e.message).toMatch(/raw card data/);
    expect(e.message).not.toContain('4242424242424242');
  });

  it('create a PaymentMethod when enabled; Luhn/expiry/CVC errors are card errors', async () => {
    const em = await startStripeEmulator({ allowRawCards: true });
    try {
      const s = client(em);
      const pm = await s.paymentMethods.create({
        type: 'card',
        card: { number: '4000000000009995', exp_month: 12, exp_year: 2030, cvc: '123' },
      });
      expect(pm.card?.last4).toBe('9995');
      const declined = await cardError(
        s.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: pm.id }),
      );
      expect(declined.decline_code).toBe('insufficient_funds');
      const luhn = await cardError(
        s.paymentMethods.create({
          type: 'card',
          card: { number: '4242424242424241', exp_month: 12, exp_year: 2030 },
        }),
      );
      expect([luhn.statusCode, luhn.code]).toEqual([402, 'incorrect_number']);
      expect(luhn.message).not.toContain('4242424242424241');
      const month = await cardError(
        s.paymentMethods.create({
          type: 'card',
          card: { number: '4242424242424242', exp_month: 13, exp_year: 2030 },
        }),
      );
      expect(month.code).toBe('invalid_expiry_month');
      const cvc = await cardError(
        s.paymentMethods.create({
          type: 'card',
          card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '12' },
        }),
      );
      expect(cvc.code).toBe('invalid_cvc');
    } finally {
      await em.close();
    }
  });
});

describe('Checkout Sessions, hosted page and signed webhooks', () => {
  it('create → hosted page pay → checkout.session.completed delivered with a valid signature', async () => {
    const receiver = await startReceiver();
    const secret = 'whsec_test_emulator';
    emulator.addWebhookEndpoint({
      url: receiver.url,
      secret,
      events: ['checkout.session.completed', 'payment_intent.succeeded'],
    });
    try {
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { quantity: 2, price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: 'Mug' } } },
        ],
        shipping_options: [
          {
            shipping_rate_data: {
              type: 'fixed_amount',
              display_name: 'Standard',
              fixed_amount: { amount: 500, currency: 'usd' },
            },
          },
        ],
        customer_email: 'ada@example.com',
        success_url: 'https://shop.example/done?cs={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://shop.example/cart',
        client_reference_id: 'cs_acp_1',
        expires_at: Math.floor(Date.now() / 1000) + 3600,
        metadata: { checkout_session_id: 'cs_acp_1' },
        payment_intent_data: { metadata: { checkout_session_id: 'cs_acp_1' } },
      });
      expect(session.status).toBe('open');
      expect(session.amount_total).toBe(2500);
      const page = await fetch(session.url!);
      expect(await page.text()).toContain('Mug');
      const declined = await postForm(session.url!, {
        action: 'pay',
        payment_method: 'pm_card_visa_chargeDeclined',
      });
      expect(declined.status).toBe(402);
      expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
      const paid = await postForm(session.url!, { action: 'pay', payment_method: 'pm_card_visa' });
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toBe(`https://shop.example/done?cs=${session.id}`);
      const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
      expect([done.status, done.payment_status]).toEqual(['complete', 'paid']);
      const pi = done.payment_intent as Stripe.PaymentIntent;
      expect(pi.metadata.checkout_session_id).toBe('cs_acp_1');
      expect((await stripe.checkout.sessions.list({ payment_intent: pi.id })).data[0]?.id).toBe(session.id);
      await emulator.webhooks.idle();
      const completed = receiver.received.map((r) =>
        stripe.webhooks.constructEvent(r.body, r.signature!, secret),
      );
      expect(completed.map((e) => e.type).sort()).toEqual([
        'checkout.session.completed',
        'payment_intent.succeeded',
      ]);
      const ev = completed.find((e) => e.type === 'checkout.session.completed')!;
      expect((ev.data.object as Stripe.Checkout.Session).client_reference_id).toBe('cs_acp_1');
      expect(() =>
        stripe.webhooks.constructEvent(
          receiver.received[0]!.body,
          receiver.received[0]!.signature!,
          'whsec_wrong',
        ),
      ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    } finally {
      emulator.webhooks.pause();
      await receiver.close();
      emulator.webhooks.flush();
      emulator.webhooks.resume();
    }
  });

  it('signs like Stripe: t=…,v1=HMAC-SHA256(secret, "t.payload")', () => {
    const header = signWebhookPayload('{"a":1}', 'whsec_x', 1700000000);
    const event = Stripe.webhooks.constructEvent('{"a":1}', header, 'whsec_x', 10 ** 10);
    expect(event).toEqual({ a: 1 });
    expect(header).toBe(
      Stripe.webhooks.generateTestHeaderString({
        payload: '{"a":1}',
        secret: 'whsec_x',
        timestamp: 1700000000,
      }),
    );
  });

  it('3DS test cards get a challenge step on the hosted page before paying (complete or fail)', async () => {
    const make = () =>
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { quantity: 1, price_data: { currency: 'usd', unit_amount: 1200, product_data: { name: 'Cap' } } },
        ],
        success_url: 'https://shop.example/done?cs={CHECKOUT_SESSION_ID}',
      });
    for (const pm of ['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required']) {
      const s = await make();
      const challenge = await postForm(s.url!, { action: 'pay', payment_method: pm });
      expect(challenge.status).toBe(200);
      const html = await challenge.text();
      expect(html).toContain('data-step="3ds-challenge"');
      expect(html).toContain('value="3ds_complete"');
      expect(html).toContain('value="3ds_fail"');
      // Nothing is paid until the buyer answers the challenge.
      let got = await stripe.checkout.sessions.retrieve(s.id, { expand: ['payment_intent'] });
      expect([got.status, got.payment_status]).toEqual(['open', 'unpaid']);
      expect((got.payment_intent as Stripe.PaymentIntent).status).toBe('requires_action');
      const done = await postForm(s.url!, { action: '3ds_complete' });
      expect([done.status, done.headers.get('location')]).toEqual([
        303,
        `https://shop.example/done?cs=${s.id}`,
      ]);
      got = await stripe.checkout.sessions.retrieve(s.id, { expand: ['payment_intent'] });
      expect([got.status, got.payment_status]).toEqual(['complete', 'paid']);
      const charge = await stripe.charges.retrieve(
        (got.payment_intent as Stripe.PaymentIntent).latest_charge as string,
      );
      expect(charge.payment_method_details?.card?.three_d_secure).toMatchObject({ authenticated: true });
    }
    // A failed challenge pays nothing; the buyer can try another card on the same page.
    const s = await make();
    await postForm(s.url!, { action: 'pay', payment_method: 'pm_card_authenticationRequired' });
    const failed = await postForm(s.url!, { action: '3ds_fail' });
    expect(failed.status).toBe(402);
    expect(await failed.text()).toMatch(/authentication/i);
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe('open');
    expect((await postForm(s.url!, { action: '3ds_complete' })).status).toBe(409);
    const paid = await postForm(s.url!, { action: 'pay', payment_method: 'pm_card_visa' });
    expect(paid.status).toBe(303);
    // Cards without 3DS pay in one step, as before.
    const plain = await make();
    expect((await postForm(plain.url!, { action: 'pay', payment_method: 'pm_card_visa' })).status).toBe(303);
  });

  it('cancel redirects to cancel_url; expire closes; expires_at must be 30 min..24 h away', async () => {
    const base = {
      mode: 'payment' as const,
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Pin' } } },
      ],
      cancel_url: 'https://shop.example/cart',
    };
    const s = await stripe.checkout.sessions.create(base);
    const cancel = await postForm(s.url!, { action: 'cancel' });
    expect([cancel.status, cancel.headers.get('location')]).toEqual([303, 'https://shop.example/cart']);
    const expired = await stripe.checkout.sessions.expire(s.id);
    expect([expired.status, expired.url]).toEqual(['expired', null]);
    expect((await postForm(`${emulator.url}/c/pay/${s.id}`, { action: 'pay' })).status).toBe(409);
    expect(
      emulator.events('checkout.session.expired').some((e) => (e.data.object as { id: string }).id === s.id),
    ).toBe(true);
    const e = await cardError(
      stripe.checkout.sessions.create({ ...base, expires_at: Math.floor(Date.now() / 1000) + 60 }),
    );
    expect(e.param).toBe('expires_at');
  });

  it('retries failed webhook deliveries with a fresh signature', async () => {
    const receiver = await startReceiver((n) => (n < 3 ? 500 : 200));
    const em = await startStripeEmulator({
      webhooks: [{ url: receiver.url, secret: 'whsec_r', events: ['payment_intent.succeeded'] }],
      webhookRetryDelaysMs: [5, 5, 5],
    });
    try {
      await client(em).paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        confirm: true,
        payment_method: 'pm_card_visa',
      });
      await em.webhooks.idle();
      expect(em.webhooks.deliveries.map((d) => d.status)).toEqual([500, 500, 200]);
      expect(new Set(receiver.received.map((r) => JSON.parse(r.body).id)).size).toBe(1);
    } finally {
      await em.close();
      await receiver.close();
    }
  });
});

describe('refunds', () => {
  it('full and partial refunds, never more than the charge', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    const part = await stripe.refunds.create(
      { payment_intent: pi.id, amount: 1000, reason: 'requested_by_customer' },
      { idempotencyKey: `r1-${pi.id}` },
    );
    expect([part.status, part.amount]).toEqual(['succeeded', 1000]);
    const tooMuch = await cardError(stripe.refunds.create({ payment_intent: pi.id, amount: 2500 }));
    expect(tooMuch.code).toBe('amount_too_large');
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(2000);
    const charge = await stripe.charges.retrieve(rest.charge as string);
    expect([charge.amount_refunded, charge.refunded]).toEqual([3000, true]);
    expect((await stripe.refunds.list({ charge: charge.id })).data).toHaveLength(2);
    expect((await cardError(stripe.refunds.create({ payment_intent: pi.id }))).code).toBe(
      'charge_already_refunded',
    );
  });

  it('pm_card_pendingRefund starts pending, then succeeds with refund.updated', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_pendingRefund',
    });
    const r = await stripe.refunds.create({ payment_intent: pi.id });
    expect(r.status).toBe('pending');
    emulator.settleRefunds();
    expect((await stripe.refunds.retrieve(r.id)).status).toBe('succeeded');
    expect(emulator.events('refund.updated').some((e) => (e.data.object as { id: string }).id === r.id)).toBe(
      true,
    );
  });
});

describe('fault injection', () => {
  const create = (s: Stripe, key: string) =>
    s.paymentIntents.create(
      { amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa', metadata: { key } },
      { idempotencyKey: key },
    );

  // Stripe saves the first response once execution began, "including 500 errors" (stripe.md §5.1).
  it('a 500 is saved under the key: stripe-node retries get the same 500 (replayed) and nothing is charged', async () => {
    emulator.injectFaults({ kind: 'server_error', path: '/v1/payment_intents', method: 'POST' });
    const e = await cardError(create(client(emulator, 'sk_test_emulator', 2), 'fault-500'));
    expect(e).toBeInstanceOf(Stripe.errors.StripeAPIError);
    const tried = emulator.requests.filter((r) => r.idempotencyKey === 'fault-500');
    expect(tried.map((r) => [r.status, r.replayed])).toEqual([
      [500, false],
      [500, true],
      [500, true],
    ]);
    expect(emulator.paymentIntents({ metadata: { key: 'fault-500' } })).toHaveLength(0);
    // A later request with the same key still gets the saved 500; a new key executes.
    expect(await cardError(create(stripe, 'fault-500'))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await create(stripe, 'fault-500-new')).status).toBe('succeeded');
  });

  it('server_error_executed: the charge happens, the saved answer is a 500 on every retry', async () => {
    emulator.injectFaults({ kind: 'server_error_executed', path: '/v1/payment_intents', method: 'POST' });
    const e = await cardError(create(client(emulator, 'sk_test_emulator', 1), 'fault-500x'));
    expect(e).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(await cardError(create(stripe, 'fault-500x'))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(emulator.paymentIntents({ metadata: { key: 'fault-500x' }, status: 'succeeded' })).toHaveLength(1);
  });

  it('a 500 fault meeting a key with a saved response has no effect: the saved response is replayed', async () => {
    await create(stripe, 'fault-500-replay');
    emulator.injectFaults({ kind: 'server_error', path: '/v1/payment_intents', method: 'POST' });
    const again = await create(stripe, 'fault-500-replay');
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.status).toBe('succeeded');
  });

  it('searchLagMs: a new PaymentIntent is found by search only after the lag (retrieve sees it at once)', async () => {
    let now = Date.parse('2026-11-24T12:00:00Z');
    const lagged = await startStripeEmulator({ now: () => now, searchLagMs: 60_000 });
    try {
      const s2 = client(lagged, 'sk_test_emulator', 0);
      const pi = await create(s2, 'lagged');
      const search = () => s2.paymentIntents.search({ query: "metadata['key']:'lagged'" });
      expect((await search()).data).toHaveLength(0);
      expect((await s2.paymentIntents.retrieve(pi.id)).id).toBe(pi.id);
      now += 60_000;
      expect((await search()).data.map((x) => x.id)).toEqual([pi.id]);
    } finally {
      await lagged.close();
    }
  });

  it('by default search lags like Stripe (up to a minute: docs.stripe.com/search#data-freshness); the List API sees a new PaymentIntent at once', async () => {
    let now = Date.parse('2026-11-24T12:00:00Z');
    const faithful = await startStripeEmulator({ now: () => now });
    try {
      const s2 = client(faithful, 'sk_test_emulator', 0);
      const pi = await create(s2, 'default-lag');
      const search = () => s2.paymentIntents.search({ query: "metadata['key']:'default-lag'" });
      expect((await search()).data).toHaveLength(0);
      expect((await s2.paymentIntents.list({ limit: 10 })).data.map((x) => x.id)).toContain(pi.id);
      now += 59_000;
      expect((await search()).data).toHaveLength(0);
      now += 1_000;
      expect((await search()).data.map((x) => x.id)).toEqual([pi.id]);
    } finally {
      await faithful.close();
    }
  });

  it('429 surfaces as StripeRateLimitError (not retried by stripe-node)', async () => {
    emulator.injectFaults({ kind: 'rate_limited', path: '/v1/payment_intents' });
    const e = await cardError(create(client(emulator, 'sk_test_emulator', 2), 'fault-429'));
    expect(e).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(emulator.paymentIntents({ metadata: { key: 'fault-429' } })).toHaveLength(0);
  });

  it('a dropped connection is a StripeConnectionError and nothing executes', async () => {
    emulator.injectFaults({ kind: 'drop_connection', path: '/v1/payment_intents', times: 2 });
    const e = await cardError(create(stripe, 'fault-drop'));
    expect(e).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(emulator.paymentIntents({ metadata: { key: 'fault-drop' } })).toHaveLength(0);
  });

  it('a lost response commits the charge; the retry with the same key gets the saved result', async () => {
    emulator.injectFaults({ kind: 'lost_response', path: '/v1/payment_intents', times: 2 });
    const e = await cardError(create(stripe, 'fault-lost'));
    expect(e).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(emulator.paymentIntents({ metadata: { key: 'fault-lost' }, status: 'succeeded' })).toHaveLength(1);
    const replay = await create(stripe, 'fault-lost');
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(emulator.paymentIntents({ metadata: { key: 'fault-lost' } })).toHaveLength(1);
  });

  it('a latency fault is logged as a fault and the request still executes once', async () => {
    emulator.injectFaults({ kind: 'latency', path: '/v1/payment_intents', method: 'POST', ms: 30 });
    const pi = await create(stripe, 'fault-latency');
    expect(pi.status).toBe('succeeded');
    const tried = emulator.requests.filter((r) => r.idempotencyKey === 'fault-latency');
    expect(tried.map((r) => [r.status, r.fault])).toEqual([[200, 'latency']]);
  });

  it('rate faults are deterministic for a seed', async () => {
    const run = async () => {
      const em = await startStripeEmulator({
        faults: { seed: 42, rate: 0.5, kinds: ['server_error', 'rate_limited'], latencyMs: [0, 3] },
      });
      const s = client(em);
      const out: string[] = [];
      for (let i = 0; i < 12; i++) {
        try {
          await s.paymentIntents.retrieve('pi_none');
        } catch (e) {
          out.push(String((e as Stripe.errors.StripeError).statusCode));
        }
      }
      await em.close();
      return out;
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(new Set(a)).toEqual(new Set(['404', '500', '429']));
  });
});
