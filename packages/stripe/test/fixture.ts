// Test wiring: the real stripe-node client pointed at the local emulator over HTTP (no mocks).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChargeRequest, LATEST_API_VERSION, type RequestContext } from '@acp/core';
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { createStripeGateway, createStripeTestPayments, type StripeGatewayOptions } from '../src/index.js';

export const TEST_KEY = 'sk_test_acp_stripe';

export async function setup(
  options: {
    emulator?: StripeEmulatorOptions;
    gateway?: Partial<StripeGatewayOptions>;
    maxNetworkRetries?: number;
  } = {},
) {
  const emulator = await startStripeEmulator({ webhookRetryDelaysMs: [10, 20, 40], ...options.emulator });
  const stripe = new Stripe(TEST_KEY, {
    ...emulator.stripeConfig,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
  });
  const gateway = createStripeGateway({
    stripe,
    rateLimitRetryDelayMs: 5,
    paymentLinks: {
      successUrl: 'https://shop.example/paid?cs={CHECKOUT_SESSION_ID}',
      cancelUrl: 'https://shop.example/cart',
    },
    authentication: {
      acquirerBin: '424242',
      acquirerCountry: 'US',
      acquirerMerchantId: 'acct_test',
      merchantName: 'Test Shop',
    },
    ...options.gateway,
  });
  const payments = createStripeTestPayments({ stripe, secretKey: TEST_KEY });
  const token = async (pm: string, amount: number, currency = 'usd') =>
    (await payments.tokenFromPaymentMethod(pm, { amount, currency })).shared_payment_token;
  const succeededFor = (sessionId: string) =>
    emulator.paymentIntents({ status: 'succeeded', metadata: { acp_checkout_session_id: sessionId } });
  return { emulator, stripe, gateway, payments, token, succeededFor };
}

export type Setup = Awaited<ReturnType<typeof setup>>;

/** An engine request context for `caller` (the latest ACP version). */
export const requestContext = (caller: string, idempotencyKey: string): RequestContext => ({
  caller,
  apiVersion: LATEST_API_VERSION,
  idempotencyKey,
});

/** Charge requests of a new session each (`<prefix>1`, `<prefix>2`, …): 25.99 USD paid with `token`. */
export function chargeRequests(prefix: string) {
  let n = 0;
  return (token: string, overrides: Partial<ChargeRequest> = {}): ChargeRequest => {
    const sessionId = `${prefix}${++n}`;
    return {
      sessionId,
      attemptId: `${sessionId}:1`,
      attemptNumber: 1,
      idempotencyKey: `acp_${sessionId}_attempt_1`,
      amount: 2599,
      currency: 'usd',
      handlerId: 'card_tokenized',
      instrumentType: 'card',
      credential: { type: 'spt', token },
      metadata: { checkout_session_id: sessionId, attempt: '1' },
      ...overrides,
    };
  };
}

/** A local HTTP endpoint that hands raw bodies and signatures to a handler (like an HTTP transport would). */
export async function startWebhookServer(
  handle: (raw: string, signature: string | undefined) => Promise<{ status: number; body: unknown }>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = await handle(
      Buffer.concat(chunks).toString('utf8'),
      req.headers['stripe-signature'] as string | undefined,
    );
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stripe/webhooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function postForm(url: string, fields: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

export type { StripeEmulator };
