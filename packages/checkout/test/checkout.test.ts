// createCheckout end to end, with real parts: the in-process Stripe emulator over HTTP (or an emulator standing
// in for Stripe behind a secret key), real stores, the web-standard handler called with Requests, a real Node
// server and the official MCP client. Each README promise has a case here.
import { createAcpCheckoutTools } from '@acp/mcp-server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { CheckoutError, createCheckout, EMULATOR_WARNING } from '../src/index.js';
import {
  completeWithToken,
  createReadySession,
  PRODUCTS,
  type Session,
  totalOf,
  until,
  useCleanups,
  V,
} from './helpers.js';

const { cleanups, start, emulator } = useCleanups();

interface Captured {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}
function captureLogger() {
  const lines: Captured[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('without a Stripe key: the emulator, said loudly', () => {
  it('starts the emulator in-process, logs the warning and says so in the returned object', async () => {
    const { lines, logger } = captureLogger();
    const checkout = await start({ logger });
    expect(checkout.payments).toMatchObject({
      mode: 'emulator',
      simulated: true,
      warning: EMULATOR_WARNING,
      accountId: 'acct_emulator',
    });
    expect(checkout.payments.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', message: EMULATOR_WARNING }));
    expect(EMULATOR_WARNING).toMatch(/SIMULATED.*not Stripe.*no money moves/);
    // Test mode: collect_payment_info exists, the handler says test.
    expect(checkout.mcpTools.testPayments?.mode).toBe('test');
    expect(checkout.service.config.paymentHandlers[0]!.config).toMatchObject({ environment: 'test' });
  });

  it('without a logger the warning goes to stderr', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await start();
    } finally {
      process.stderr.write = original;
    }
    const line = written
      .map((w) => JSON.parse(w) as { level: string; msg: string })
      .find((l) => l.level === 'warn');
    expect(line?.msg).toBe(EMULATOR_WARNING);
  });
});

describe('buying', () => {
  it('through the web-standard fetch handler (Request → Response): REST, an order, onOrder once', async () => {
    const orders: string[] = [];
    const checkout = await start({
      publicUrl: 'http://127.0.0.1:8080',
      tax: { rateBps: 875 },
      onOrder: (o) => {
        orders.push(o.order.id);
      },
      logger: captureLogger().logger,
    });
    const b = { fetch: checkout.fetch, base: 'http://127.0.0.1:8080' };
    const session = await createReadySession(b);
    expect(totalOf(session)).toBe(1999 + 175); // 8.75 % tax, rounded half up
    const token = await checkout.mcpTools.testPayments!.createTestToken({
      sessionId: session.id,
      paymentMethodId: 'pm_card_visa',
      amount: totalOf(session),
      currency: 'usd',
    });
    const done = await completeWithToken(b, session, token.shared_payment_token);
    expect(done.status).toBe('completed');
    expect(done.order!.permalink_url).toBe(`http://127.0.0.1:8080/orders/${done.order!.id}`);
    await until('onOrder', () => (orders.length > 0 ? true : undefined));
    expect(orders).toEqual([done.order!.id]);
    // A declined card: the session stays payable with a message.
    const again = await createReadySession(b, 'grace@example.com');
    const declined = await checkout.mcpTools.testPayments!.createTestToken({
      sessionId: again.id,
      paymentMethodId: 'pm_card_visa_chargeDeclined',
      amount: totalOf(again),
      currency: 'usd',
    });
    const refused = await completeWithToken(b, again, declined.shared_payment_token);
    expect(refused.status).toBe('ready_for_payment');
    expect(JSON.stringify(refused.messages)).toContain('payment_declined');
  });

  it('over MCP at listen(): search, create, collect_payment_info, complete; a payment link paid via the webhook', async () => {
    const orders: string[] = [];
    const checkout = await start({
      shipping: { freeOver: 1000 },
      onOrder: (o) => {
        orders.push(o.order.id);
      },
      logger: captureLogger().logger,
    });
    const url = await checkout.listen();
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    cleanups.push(() => client.close());
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as { structuredContent?: Record<string, unknown> };

    const found = await call('search_products', { query: 'mug' });
    expect((found.structuredContent!.products as { id: string }[])[0]!.id).toBe('mug');
    const created = (
      await call('create_checkout_session', {
        meta: { api_version: V, idempotency_key: crypto.randomUUID() },
        payload: {
          currency: 'usd',
          line_items: [{ id: 'mug', quantity: 2 }],
          capabilities: { interventions: { supported: [] } },
          buyer: { email: 'ada@example.com' },
          fulfillment_details: {
            name: 'Ada Lovelace',
            address: {
              name: 'Ada Lovelace',
              line_one: '1 Main St',
              city: 'Springfield',
              state: 'IL',
              country: 'US',
              postal_code: '62701',
            },
          },
        },
      })
    ).structuredContent as unknown as Session & { fulfillment_options: { id: string; totals?: unknown }[] };
    const updated = (
      await call('update_checkout_session', {
        meta: { api_version: V, idempotency_key: crypto.randomUUID() },
        id: created.id,
        payload: {
          selected_fulfillment_options: [{ type: 'shipping', option_id: 'ship_standard', item_ids: ['mug'] }],
        },
      })
    ).structuredContent as unknown as Session;
    expect(updated.status).toBe('ready_for_payment');
    // Free standard shipping over 10.00: the total is the two mugs.
    expect(totalOf(updated)).toBe(3600);
    const token = (
      await call('collect_payment_info', { sessionId: created.id, paymentMethodId: 'pm_card_visa' })
    ).structuredContent as { payment_data: unknown };
    const completed = (
      await call('complete_checkout_session', {
        meta: { api_version: V, idempotency_key: crypto.randomUUID() },
        id: created.id,
        payload: { payment_data: token.payment_data },
      })
    ).structuredContent as unknown as Session;
    expect(completed.status).toBe('completed');

    // A hosted payment link, paid on the emulator's page: the emulator's signed webhook reaches listen()'s URL.
    const other = await createReadySession({ fetch: checkout.fetch, base: url });
    const link = (await call('create_payment_link', { checkout_session_id: other.id })).structuredContent as {
      url: string;
    };
    expect(link.url.startsWith(checkout.payments.emulatorUrl!)).toBe(true);
    const paid = await fetch(link.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payment_method=pm_card_visa&action=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBeLessThan(400);
    // Back to the store's own URL (learned at listen()).
    expect(paid.headers.get('location')).toMatch(new RegExp(`^${url}/\\?checkout_session=`));
    await until('the link order', () => (orders.length === 2 ? true : undefined));
    const deliveries = checkout.emulator!.webhooks.deliveries.filter(
      (d) => d.url === `${url}/webhooks/stripe`,
    );
    expect(deliveries.some((d) => d.eventType === 'checkout.session.completed' && d.status === 200)).toBe(
      true,
    );
    expect((await checkout.service.getOrderBySession(other.id))?.order.id).toBe(orders[1]);
  });

  it('registers the checkout tools on your own SDK v2 McpServer, next to its tools', async () => {
    const checkout = await start({ logger: captureLogger().logger });
    const server = new McpServer({ name: 'my-shop', version: '1.0.0' });
    server.registerTool('store_hours', { description: 'Hours.', inputSchema: z.object({}) }, async () => ({
      content: [{ type: 'text', text: '9-18' }],
    }));
    const { tools } = checkout.registerTools(server);
    expect(Object.keys(tools)).toEqual(
      expect.arrayContaining(['create_checkout_session', 'collect_payment_info']),
    );
    expect(checkout.instructions).toMatch(/collect_payment_info/);
  });
});

describe('with a Stripe key (an emulator standing in for Stripe)', () => {
  it('checks the key against the account at start-up and advertises that account', async () => {
    const stripe = await emulator({ acceptedKeys: ['sk_test_known_key_123456'], accountId: 'acct_shop_1' });
    const checkout = await start({
      stripe: {
        secretKey: 'sk_test_known_key_123456',
        webhookSecret: 'whsec_test',
        clientConfig: stripe.stripeConfig,
      },
      logger: captureLogger().logger,
    });
    expect(checkout.payments).toMatchObject({ mode: 'test', simulated: false, accountId: 'acct_shop_1' });
    expect(checkout.payments.warning).toBeUndefined();
    expect(checkout.emulator).toBeUndefined();
    expect(checkout.service.config.paymentHandlers[0]!.config).toMatchObject({ merchant_id: 'acct_shop_1' });
    expect(checkout.mcpTools.testPayments?.mode).toBe('test');
  });

  it('a refused key is a typed error naming the option, never the key', async () => {
    const stripe = await emulator({ acceptedKeys: ['sk_test_known_key_123456'] });
    const error = await createCheckout({
      products: PRODUCTS,
      stripe: {
        secretKey: 'sk_test_revoked_key_999999',
        webhookSecret: 'whsec_x',
        clientConfig: stripe.stripeConfig,
      },
      logger: captureLogger().logger,
    }).then(
      (c) => {
        cleanups.push(() => c.close());
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(CheckoutError.isInstance(error)).toBe(true);
    expect((error as CheckoutError).code).toBe('stripe_key_refused');
    expect((error as CheckoutError).path).toBe('stripe.secretKey');
    expect((error as Error).message).not.toContain('revoked_key_999999');
  });

  it('Stripe unreachable at start-up: starts, warns that payments may fail, accountVerified false', async () => {
    const { lines, logger } = captureLogger();
    const checkout = await start({
      stripe: {
        secretKey: 'sk_test_unreachable_123456',
        webhookSecret: 'whsec_x',
        clientConfig: { host: '127.0.0.1', port: 1, protocol: 'http', maxNetworkRetries: 0 },
      },
      background: false,
      logger,
    });
    expect(checkout.payments.accountVerified).toBe(false);
    const warning = lines.find((l) => /reach Stripe/.test(l.message));
    expect(warning?.message).toMatch(/payments may fail/);
    expect(JSON.stringify(lines)).not.toContain('unreachable_123456');
  });

  it('a live key: no collect_payment_info, production handler, no raw cards', async () => {
    const stripe = await emulator({ liveAccount: true });
    const checkout = await start({
      stripe: {
        secretKey: 'sk_live_shop_123456',
        webhookSecret: 'whsec_x',
        clientConfig: stripe.stripeConfig,
      },
      logger: captureLogger().logger,
    });
    expect(checkout.payments.mode).toBe('live');
    expect(checkout.mcpTools.testPayments).toBeUndefined();
    const names = createAcpCheckoutTools(checkout.mcpTools)
      .definitions()
      .map((d) => d.name);
    expect(names).not.toContain('collect_payment_info');
    expect(names).toContain('complete_checkout_session');
    expect(checkout.instructions).not.toMatch(/collect_payment_info/);
    expect(checkout.service.config.paymentHandlers[0]!.config).toMatchObject({ environment: 'production' });
  });

  it('webhooks are verified with the secret: a forged signature is refused and changes nothing', async () => {
    const stripe = await emulator();
    const checkout = await start({
      stripe: {
        secretKey: 'sk_test_shop_123456',
        webhookSecret: 'whsec_real_secret',
        accountId: 'acct_shop',
        clientConfig: stripe.stripeConfig,
      },
      logger: captureLogger().logger,
    });
    const body = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', data: { object: {} } });
    const res = await checkout.fetch(
      new Request('http://127.0.0.1/webhooks/stripe', {
        method: 'POST',
        headers: { host: '127.0.0.1', 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
        body,
      }),
    );
    expect(res.status).toBe(400);
    expect((await checkout.webhook(body, undefined)).status).toBe(400);
  });
});

describe('the HTTP handler is built on first use', () => {
  it('a public publicUrl without API keys: createCheckout works (stdio), the HTTP handler refuses', async () => {
    const checkout = await start({
      emulator: { publicDemo: true },
      publicUrl: 'https://shop.example.com',
      logger: captureLogger().logger,
    });
    expect(checkout.mcpServer).toBeTypeOf('function');
    expect(() => checkout.http).toThrow(/authentication|apiKeys/i);
    expect(() => checkout.fetch).toThrow(/authentication|apiKeys/i);
  });

  it('with API keys it serves the public host, and refuses requests without a key', async () => {
    const checkout = await start({
      publicUrl: 'https://shop.example.com',
      emulator: { publicDemo: true }, // host rules only: no payment here
      http: { apiKeys: [{ id: 'agent', key: 'agent_key_0123456789abcdef' }] },
      logger: captureLogger().logger,
    });
    const base = 'https://shop.example.com';
    await expect(createReadySession({ fetch: checkout.fetch, base })).rejects.toThrow(/401/);
    const s = await createReadySession({
      fetch: checkout.fetch,
      base,
      headers: { authorization: 'Bearer agent_key_0123456789abcdef' },
    });
    expect(s.status).toBe('ready_for_payment');
  });
});

describe('hooks and close()', () => {
  it('onOrder does not delay the answer; close() waits for it; a failing hook is logged, the order stays', async () => {
    const { lines, logger } = captureLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let finished = false;
    const checkout = await createCheckout({
      products: PRODUCTS,
      logger,
      onOrder: async () => {
        await gate;
        finished = true;
        throw new Error('mail server down');
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
    expect(done.status).toBe('completed'); // answered while the hook still waits
    expect(finished).toBe(false);
    const closing = checkout.close();
    release();
    await closing;
    expect(finished).toBe(true);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'onOrder failed',
        fields: { error: 'mail server down' },
      }),
    );
    expect(await checkout.close()).toBeUndefined(); // idempotent
  });
});
