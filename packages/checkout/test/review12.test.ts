// Review 12 PoCs (failing tests) for @acp/checkout: real parts (the in-process Stripe emulator over HTTP, the
// SQLite store, the web-standard handler, the official MCP client at listen()).
import { startStripeEmulator } from '@acp/stripe-emulator';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { type Checkout, createCheckout } from '../src/index.js';
import {
  completeWithToken,
  createReadySession,
  PRODUCTS,
  silent,
  totalOf,
  until,
  useCleanups,
  V,
} from './helpers.js';

const { cleanups, start } = useCleanups({ logger: silent });

describe('review12: the emulator on a public store', () => {
  // The README's own start-up line is `stripe: process.env.STRIPE_SECRET_KEY ? {...} : undefined`: a deploy that
  // lost its env var runs the emulator on the public URL. Then any agent with an API key pays with
  // collect_payment_info and pm_card_visa, and onOrder gets an order that nothing marks as unpaid.
  it('a public publicUrl without stripe does not take orders paid by the emulator', async () => {
    const key = 'agent_key_0123456789abcdef';
    const orders: Record<string, unknown>[] = [];
    let checkout: Checkout;
    try {
      checkout = await start({
        publicUrl: 'https://shop.example.com',
        http: { apiKeys: [{ id: 'agent', key }] },
        onOrder: (o) => {
          orders.push(o as unknown as Record<string, unknown>);
        },
      });
    } catch {
      return; // refused at start-up: what this test asks for
    }
    const url = await checkout.listen();
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    cleanups.push(() => client.close());
    const call = async (name: string, args: Record<string, unknown>) =>
      ((await client.callTool({ name, arguments: args })) as { structuredContent: Record<string, unknown> })
        .structuredContent;
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: crypto.randomUUID() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'ebook' }],
        capabilities: { interventions: { supported: [] } },
        buyer: { email: 'mallory@example.com', first_name: 'M', last_name: 'M' },
      },
    });
    const paid = await call('collect_payment_info', {
      sessionId: created.id,
      paymentMethodId: 'pm_card_visa',
    });
    const completed = await call('complete_checkout_session', {
      meta: { api_version: V, idempotency_key: crypto.randomUUID() },
      id: created.id,
      payload: { payment_data: paid.payment_data },
    });
    await until('onOrder', () => (orders.length ? true : undefined));
    expect.fail(
      `a store at https://shop.example.com took order ${(completed.order as { id: string }).id} (status ${completed.status}) paid by the emulator; onOrder got ${JSON.stringify(Object.keys(orders[0]!))}, nothing says simulated`,
    );
  });
});

// (Review 12 finding 2, "an order whose onOrder failed is delivered again after a restart": not built. onOrder is
// documented as best effort, once per order; durable delivery is the order webhooks' outbox, issue 13.)

describe('review12: close() while a payment runs', () => {
  // Stripe (an emulator standing in for it, outside this checkout) answers the charge after close() began.
  it('no onOrder runs after close() resolved', async () => {
    const stripe = await startStripeEmulator();
    cleanups.push(() => stripe.close());
    const calls: number[] = [];
    const checkout = await createCheckout({
      products: PRODUCTS,
      logger: silent,
      stripe: {
        secretKey: 'sk_test_close_123456',
        webhookSecret: 'whsec_x',
        accountId: 'acct_close',
        clientConfig: stripe.stripeConfig,
      },
      onOrder: () => {
        calls.push(Date.now());
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
    stripe.injectFaults({ kind: 'latency', method: 'POST', path: '/v1/payment_intents', ms: 400, times: 1 });
    const completing = completeWithToken(b, session, token.shared_payment_token).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100)); // the charge is at Stripe
    await checkout.close();
    const closedAt = Date.now();
    const answer = (await completing) as { status?: string };
    await new Promise((r) => setTimeout(r, 200));
    expect({
      charged: stripe.paymentIntents({ status: 'succeeded' }).length,
      answer: answer.status,
      hooksAfterClose: calls.filter((t) => t >= closedAt).length,
    }).toEqual({ charged: 1, answer: 'completed', hooksAfterClose: 0 });
  });
});

describe('review12: options that are accepted and then break the store', () => {
  it('background.sweepEverySeconds beyond 24.8 days is refused (Node turns the interval into 1 ms)', async () => {
    const { createMemoryStore } = await import('@acp/core/memory');
    const inner = createMemoryStore();
    let sweeps = 0;
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === 'idempotencySweep' && typeof v === 'function') {
          return (...args: unknown[]) => {
            sweeps++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const error = await start({ store, background: { sweepEverySeconds: 30 * 86_400 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 300));
    // A monthly sweep: either refused as an option, or run at most once in 300 ms.
    expect({ refused: error !== undefined || sweeps <= 1, sweeps }).toMatchObject({ refused: true });
  });

  for (const webhookPath of ['/mcp', '/checkout_sessions']) {
    it(`http.webhookPath ${webhookPath} (an endpoint of the handler itself) is refused`, async () => {
      const error = await start({ http: { webhookPath } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as { issues?: unknown })?.issues).toEqual([
        expect.objectContaining({ path: 'http.webhookPath' }),
      ]);
    });
  }

  it('stripe.clientConfig.authenticator with a secretKey is a CheckoutError naming the path', async () => {
    const error = await start({
      stripe: {
        secretKey: 'sk_test_abcdef123456',
        webhookSecret: 'whsec_x',
        accountId: 'acct_x',
        clientConfig: { authenticator: async () => undefined } as never,
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { issues?: unknown })?.issues).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/^stripe\.clientConfig/) }),
    ]);
  });
});

describe('review12: a restricted key without the account permission', () => {
  // Stripe answers GET /v1/account with 403 `permission_error` to a restricted key (rk_live_/rk_test_) that lacks
  // the account read permission, a key that can take payments. A stand-in for that one Stripe answer (the
  // project's emulator does not model restricted-key permissions).
  it('the error names the way out (stripe.accountId), not only "invalid, revoked"', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      res.writeHead(403, { 'content-type': 'application/json', 'request-id': 'req_1' });
      res.end(
        JSON.stringify({
          error: {
            type: 'invalid_request_error',
            message:
              "The provided key 'rk_test_***3456' does not have the required permissions for this endpoint on account 'acct_1'.",
          },
        }),
      );
      void req;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const error = await start({
      stripe: {
        secretKey: 'rk_test_payments_only_123456',
        webhookSecret: 'whsec_x',
        clientConfig: { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 },
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { issues?: { message: string }[] })?.issues?.[0]?.message).toMatch(/accountId/);
  });
});

describe('review12: the optional store drivers as published', () => {
  // `workspace:*` is packed as the exact version (0.1.0). Packages version independently (changesets), so the
  // first release of @acp/store-sqlite alone leaves @acp/checkout's peer range, npm refuses the install
  // (ERESOLVE), and changesets bumps @acp/checkout major for any minor of a peer.
  it('peerDependencies on the store drivers are ranges, not exact versions', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(pkg.peerDependencies).toEqual({
      '@acp/store-postgres': expect.not.stringMatching(/^workspace:\*$/),
      '@acp/store-sqlite': expect.not.stringMatching(/^workspace:\*$/),
    });
  });
});

describe('review12: setServerUrl', () => {
  it('refuses what is not an http(s) URL, as its error message says', async () => {
    const checkout = await start();
    expect(() => checkout.setServerUrl('javascript:alert(1)//')).toThrow(/http\(s\)/);
  });
});
