// The gateway's credential shape check (nothing but an SPT id reaches Stripe, never in a URL path) and its
// 3D Secure rules: fail fast (error_on_requires_action) when 3DS cannot be offered or the agent cannot
// authenticate, required acquirer settings, no Visa fallback for unknown brands, PaymentIntent cancel.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeGateway, StripeAdapterError } from '../src/index.js';
import { authenticationUnavailable, fromPaymentIntent } from '../src/outcomes.js';
import { retrieveGrantedToken } from '../src/spt.js';
import { chargeRequests, type Setup, setup } from './fixture.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(async () => {
  await s.emulator.close();
});

const PAN = '4242424242424242';
const ACQUIRER = {
  acquirerBin: '424242',
  acquirerCountry: 'US',
  acquirerMerchantId: 'acct_test',
  merchantName: 'Test Shop',
};

const request = chargeRequests('cs_c3_');

const requestLogText = () => JSON.stringify(s.emulator.requests);

describe('credential shape: only SPT ids reach Stripe', () => {
  it('validateCredential accepts spt_ ids and refuses anything else, naming the field, never echoing it', () => {
    const check = (type: string, token: string) =>
      s.gateway.validateCredential!({
        handlerId: 'card_tokenized',
        instrumentType: 'card',
        credential: { type, token },
      });
    expect(check('spt', 'spt_1RgaZcFPC5QUO6ZCDVZuVA8q')).toEqual({ ok: true });
    expect(check('spt', 'spt_123')).toEqual({ ok: true });
    for (const token of [
      PAN,
      `spt_${PAN}`,
      '4242 4242 4242 4242 12/31 737',
      'tok_visa',
      'spt_',
      'spt_a/b',
      `spt_${'a'.repeat(260)}`,
      // Underscores after the prefix are not part of a Stripe id, and these spell a card number.
      'spt_4242_4242_4242_4242',
      'spt_4242.4242.4242.4242',
      'spt_a_b',
    ]) {
      const r = check('spt', token);
      expect(r.ok, token).toBe(false);
      if (!r.ok) {
        expect(r.field).toBe('token');
        if (token.length > 6) expect(r.message).not.toContain(token);
      }
    }
    expect(check('card', 'spt_123')).toMatchObject({ ok: false, field: 'type' });
  });

  it('charge() with a card number as the token: token_unusable, and no request carries it (path or otherwise)', async () => {
    const before = s.emulator.requests.length;
    for (const token of [
      PAN,
      '4242 4242 4242 4242 12/31 737',
      `spt_${PAN}`,
      'spt_4242_4242_4242_4242',
      '../../v1/balance',
    ]) {
      const r = await s.gateway.charge(request(token));
      expect(r).toMatchObject({ status: 'declined', code: 'token_unusable', declineCode: 'not_found' });
      expect(JSON.stringify(r)).not.toContain('4242');
    }
    expect(s.emulator.requests.length).toBe(before);
    expect(requestLogText()).not.toMatch(/4242[ _]?4242/);
  });

  it('retrieveGrantedToken refuses a non-SPT id before building a URL', async () => {
    const before = s.emulator.requests.length;
    const e = await retrieveGrantedToken(s.stripe, PAN, '2026-04-22.preview').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).not.toContain('4242');
    expect(s.emulator.requests.length).toBe(before);
  });
});

describe('3D Secure settings', () => {
  it('acquirer details are required configuration: a typed error at construction names the missing option', () => {
    for (const [partial, param] of [
      [{ merchantName: 'Shop' }, 'authentication.acquirerBin'],
      [{ ...ACQUIRER, acquirerBin: '000' }, 'authentication.acquirerBin'],
      [{ ...ACQUIRER, acquirerCountry: 'usa' }, 'authentication.acquirerCountry'],
      [{ ...ACQUIRER, acquirerMerchantId: '' }, 'authentication.acquirerMerchantId'],
      [{ ...ACQUIRER, merchantName: 'x'.repeat(41) }, 'authentication.merchantName'],
    ] as const) {
      let thrown: unknown;
      try {
        createStripeGateway({ stripe: s.stripe, authentication: partial as never });
      } catch (e) {
        thrown = e;
      }
      expect(StripeAdapterError.isInstance(thrown), param).toBe(true);
      expect(thrown).toMatchObject({ code: 'invalid_argument', param });
      expect((thrown as Error).message).toContain(param);
    }
    expect(() => createStripeGateway({ stripe: s.stripe, authentication: ACQUIRER })).not.toThrow();
  });

  it('no placeholder acquirer data and no Visa fallback: unknown brands have no directory server', () => {
    const pi = (brand: string) =>
      ({
        id: 'pi_x',
        status: 'requires_action',
        payment_method: { card: { brand, last4: '0000' } },
        latest_charge: null,
      }) as unknown as Stripe.PaymentIntent;
    expect(fromPaymentIntent(pi('visa'), ACQUIRER)).toMatchObject({
      status: 'requires_action',
      authenticationMetadata: { directory_server: 'visa', acquirer_details: { acquirer_bin: '424242' } },
    });
    expect(fromPaymentIntent(pi('amex'), ACQUIRER)).toMatchObject({
      authenticationMetadata: { directory_server: 'american_express' },
    });
    for (const brand of ['discover', 'unionpay', 'jcb', 'unknown']) {
      expect(fromPaymentIntent(pi(brand), ACQUIRER)).toEqual(authenticationUnavailable('pi_x'));
    }
    // Without acquirer settings a requires_action PaymentIntent is never turned into metadata.
    expect(fromPaymentIntent(pi('visa'), undefined)).toEqual(authenticationUnavailable('pi_x'));
  });
});

describe('3D Secure when it cannot be done through the agent', () => {
  it('agent without 3DS: confirm with error_on_requires_action → declined authentication_required, PI never waits', async () => {
    const req = request(await s.token('pm_card_authenticationRequired', 2599), {
      authenticationAvailable: false,
    });
    const r = await s.gateway.charge(req);
    expect(r).toMatchObject({ status: 'declined', code: 'authentication_required' });
    const [pi] = s.emulator.paymentIntents({ metadata: { acp_checkout_session_id: req.sessionId } });
    expect(pi).toMatchObject({ status: 'requires_payment_method' });
    expect(
      s.emulator.paymentIntents({
        status: 'requires_action',
        metadata: { acp_checkout_session_id: req.sessionId },
      }),
    ).toEqual([]);
    // A card without 3DS still pays with the same settings.
    const ok = await s.gateway.charge(
      request(await s.token('pm_card_visa', 2599), { authenticationAvailable: false }),
    );
    expect(ok).toMatchObject({ status: 'succeeded' });
  });

  it('a gateway without acquirer settings never returns requires_action', async () => {
    const gw = createStripeGateway({ stripe: s.stripe });
    const req = request(await s.token('pm_card_threeDSecure2Required', 2599));
    expect(await gw.charge(req)).toMatchObject({ status: 'declined', code: 'authentication_required' });
    const log = s.emulator.requests.filter((x) => x.idempotencyKey === req.idempotencyKey);
    expect(log.map((x) => x.status)).toEqual([402]);
  });

  it('cancelPayment cancels a PaymentIntent waiting for 3DS; a finished one is not_cancelable', async () => {
    const req = request(await s.token('pm_card_authenticationRequired', 2599));
    const r = await s.gateway.charge(req);
    if (r.status !== 'requires_action') throw new Error(`expected requires_action, got ${r.status}`);
    expect(await s.gateway.cancelPayment!(r.paymentId)).toEqual({ status: 'canceled' });
    expect(
      s.emulator.paymentIntents({ metadata: { acp_checkout_session_id: req.sessionId } })[0],
    ).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    });
    expect(await s.gateway.cancelPayment!(r.paymentId)).toEqual({ status: 'not_cancelable' });
    expect(await s.gateway.cancelPayment!('cs_not_a_payment_intent')).toEqual({ status: 'not_cancelable' });
    s.emulator.injectFaults({ kind: 'server_error', path: '/v1/payment_intents/', times: 5 });
    const other = await s.gateway.charge(request(await s.token('pm_card_authenticationRequired', 2599)));
    if (other.status !== 'requires_action') throw new Error('expected requires_action');
    expect((await s.gateway.cancelPayment!(other.paymentId)).status).toBe('retryable_failure');
    s.emulator.setFaults({});
  });
});
