// The rest of the README's promises, each tried: start-up recovery of a charge a crash left pending, a client
// whose key cannot be read counts as live, raw test cards only when asked, paymentLinks: false, a custom webhook
// path, the default allowed hosts, onEvent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAcpCheckoutTools } from '@acp/mcp-server';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { type Checkout, CheckoutError, createCheckout } from '../src/index.js';
import {
  completeWithToken,
  createReadySession,
  PRODUCTS,
  restRequest,
  silent,
  totalOf,
  until,
  useCleanups,
} from './helpers.js';

const { cleanups, start, emulator } = useCleanups({ logger: silent });
describe('start-up', () => {
  it('resumes a charge a crash left pending before returning: the order exists at once', async () => {
    const stripeEmu = await emulator();
    const dir = mkdtempSync(join(tmpdir(), 'acp-checkout-recovery-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const options = {
      store: { sqlite: join(dir, 'shop.db') },
      stripe: {
        secretKey: 'sk_test_recovery_123456',
        webhookSecret: 'whsec_x',
        accountId: 'acct_recovery',
        clientConfig: { ...stripeEmu.stripeConfig, maxNetworkRetries: 0 },
      },
      merchant: { paymentLeaseSeconds: 1 },
      background: false as const,
    };
    const first = await createCheckout({ products: PRODUCTS, logger: silent, ...options });
    const b = { fetch: first.fetch, base: 'http://localhost' };
    const session = await createReadySession(b);
    const token = await first.mcpTools.testPayments!.createTestToken({
      sessionId: session.id,
      paymentMethodId: 'pm_card_visa',
      amount: totalOf(session),
      currency: 'usd',
    });
    // Stripe charges, and the answer is lost: the session waits on its attempt.
    stripeEmu.injectFaults(
      { kind: 'lost_response', method: 'POST', path: '/v1/payment_intents', times: 10 },
      // ...and Stripe cannot be asked about it right away either (the gateway's own lookup fails).
      { kind: 'server_error', method: 'GET', path: '/v1/payment_intents', times: 10 },
    );
    const answered = await completeWithToken(b, session, token.shared_payment_token);
    expect(answered.status).not.toBe('completed');
    expect(await first.service.getOrderBySession(session.id)).toBeNull();
    await first.close(); // the "crash"
    stripeEmu.setFaults({}); // Stripe answers again
    await new Promise((r) => setTimeout(r, 1100)); // the charge's lease runs out

    const second = await start(options);
    const order = await second.service.getOrderBySession(session.id);
    expect(order?.order.checkout_session_id).toBe(session.id);
    expect(stripeEmu.paymentIntents({ status: 'succeeded' })).toHaveLength(1); // charged once
  });
});

describe('payments', () => {
  it('a client whose key cannot be read (custom authenticator) counts as live; raw test cards refused with it', async () => {
    const opaque = new Stripe(
      null as unknown as string,
      {
        authenticator: async (request: { headers: Record<string, string> }) => {
          await Promise.resolve();
          request.headers.Authorization = 'Bearer sk_test_from_vault_123456';
        },
      } as unknown as Stripe.StripeConfig,
    );
    const checkout = await start({
      stripe: { client: opaque, webhookSecret: 'whsec_x', accountId: 'acct_vault' },
    });
    expect(checkout.payments.mode).toBe('live');
    expect(checkout.mcpTools.testPayments).toBeUndefined();
    const error = await createCheckout({
      products: PRODUCTS,
      logger: silent,
      stripe: { client: opaque, webhookSecret: 'whsec_x', accountId: 'acct_vault', allowRawTestCards: true },
    }).then(
      (c) => {
        cleanups.push(() => c.close());
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(CheckoutError.isInstance(error)).toBe(true);
    expect((error as CheckoutError).path).toBe('stripe.allowRawTestCards');
  });

  it('raw test cards only when asked (emulator.allowRawCards / stripe.allowRawTestCards)', async () => {
    expect((await start()).mcpTools.testPayments?.rawCardsEnabled).toBe(false);
    expect((await start({ emulator: { allowRawCards: true } })).mcpTools.testPayments?.rawCardsEnabled).toBe(
      true,
    );
    const stripeEmu = await emulator();
    const withKey = await start({
      stripe: {
        secretKey: 'sk_test_raw_123456',
        webhookSecret: 'whsec_x',
        accountId: 'acct_raw',
        allowRawTestCards: true,
        clientConfig: stripeEmu.stripeConfig,
      },
    });
    expect(withKey.mcpTools.testPayments?.rawCardsEnabled).toBe(true);
  });

  it('paymentLinks: false removes create_payment_link', async () => {
    const names = (c: Checkout) =>
      createAcpCheckoutTools(c.mcpTools)
        .definitions()
        .map((d) => d.name);
    expect(names(await start())).toContain('create_payment_link');
    expect(names(await start({ paymentLinks: false }))).not.toContain('create_payment_link');
  });
});

describe('HTTP', () => {
  it('http.webhookPath moves the Stripe webhook', async () => {
    const checkout = await start({ http: { webhookPath: '/hooks/stripe' } });
    const post = (path: string) =>
      checkout.fetch(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { host: 'localhost', 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
          body: '{}',
        }),
      );
    expect((await post('/hooks/stripe')).status).toBe(400); // ours: the signature is checked (and wrong)
    expect((await post('/webhooks/stripe')).status).toBe(404);
    expect(checkout.webhookPath).toBe('/hooks/stripe');
  });

  it("allows publicUrl's host and the loopback names by default, refuses any other Host", async () => {
    const key = 'agent_key_0123456789abcdef';
    const checkout = await start({
      emulator: { publicDemo: true },
      publicUrl: 'https://shop.example.com/',
      http: { apiKeys: [{ key }] },
    });
    const read = (base: string) =>
      checkout.fetch(
        new Request(`${base}/checkout_sessions/cs_unknown`, {
          headers: { host: new URL(base).host, 'api-version': '2026-04-17', authorization: `Bearer ${key}` },
        }),
      );
    expect((await read('https://shop.example.com')).status).toBe(404);
    expect((await read('http://127.0.0.1:8080')).status).toBe(404);
    expect((await read('https://evil.example')).status).toBe(403);
  });
});

describe('hooks', () => {
  it('onEvent gets every domain event, onOrder the order', async () => {
    const events: string[] = [];
    const orders: string[] = [];
    const checkout = await start({
      onEvent: (e) => {
        events.push(e.type);
      },
      onOrder: (o) => {
        orders.push(o.order.id);
      },
    });
    const b = { fetch: checkout.fetch, base: 'http://localhost' };
    const session = await createReadySession(b);
    const token = await checkout.mcpTools.testPayments!.createTestToken({
      sessionId: session.id,
      paymentMethodId: 'pm_card_visa',
      amount: totalOf(session),
      currency: 'usd',
    });
    const done = await completeWithToken(b, session, token.shared_payment_token);
    await until('events', () => (events.includes('order_created') && orders.length ? true : undefined));
    expect(orders).toEqual([done.order!.id]);
    const got = await checkout.fetch(restRequest(b, `/checkout_sessions/${session.id}`));
    expect(got.status).toBe(200);
  });
});
