// Demo-store access and start-up rules (issue 10 items 6, 7, 8, 8b, 12, and the security review's findings 3, 4,
// 10, 12): keys whenever the store is public or takes real money; the dashboard behind a merchant credential that
// no agent key replaces; order permalinks as capability URLs; the same DNS-rebinding rule on the store pages as on
// the API; constant-time page auth; bad configuration refused with the variable named (never its secret); the
// stdio snippet carrying the payment configuration; the same signing rule on REST and /mcp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStripeTestPaymentsProvider } from '@acp/stripe';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoRuntime, type DemoRuntime } from '../src/app.js';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';
import { connectionHelp } from '../src/connect.js';
import { createDemoHttpHandler, matchesAnyKey } from '../src/http.js';
import { createLogger } from '../src/logger.js';

const KEY = 'agent_key_0123456789abcdef';
const KEY_A = 'agent_a_key_0123456789abcdef';
const KEY_B = 'agent_b_key_0123456789abcdef';
const MERCHANT = 'merchant_key_0123456789abcdef';
/** A GET as a browser sends it (with its Host header, which a bare `new Request` lacks). */
const page = (url: string, headers: Record<string, string> = {}) =>
  new Request(url, { headers: { host: new URL(url).host, ...headers } });
const basic = (password: string) => `Basic ${Buffer.from(`merchant:${password}`).toString('base64')}`;
const problems = (env: Record<string, string>, entry: 'http' | 'stdio' = 'http') => {
  try {
    loadConfig(env, '/srv', entry);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acp-demo-access-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const silent = createLogger('error', () => undefined);

async function runtime(env: Record<string, string>): Promise<DemoRuntime> {
  const rt = await createDemoRuntime(loadConfig({ ACP_DATA_DIR: tempDir(), ...env }, '/'), silent);
  cleanups.push(() => rt.close());
  return rt;
}

describe('closed by default (config)', () => {
  it('requires ACP_API_KEYS behind a TLS proxy (loopback HOST, public PUBLIC_URL) and with a live key', () => {
    expect(problems({ HOST: '127.0.0.1', PUBLIC_URL: 'https://shop.example.com' })).toMatch(
      /ACP_API_KEYS is required when PUBLIC_URL \(shop\.example\.com\)/,
    );
    expect(problems({ STRIPE_SECRET_KEY: 'sk_live_abcdef123', STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toMatch(
      /ACP_API_KEYS is required with a live STRIPE_SECRET_KEY/,
    );
    expect(problems({ PUBLIC_URL: 'https://shop.example.com', ACP_API_KEYS: KEY })).toBe('');
    expect(problems({ PUBLIC_URL: 'http://localhost:8787' })).toBe('');
    // The stdio entry has no HTTP surface: its config does not need keys.
    expect(
      problems({ STRIPE_SECRET_KEY: 'sk_live_abcdef123', STRIPE_WEBHOOK_SECRET: 'whsec_x' }, 'stdio'),
    ).toBe('');
  });

  it('allows an explicit opt-out for local work, refused with a live key and off loopback', () => {
    const c = loadConfig(
      { PUBLIC_URL: 'https://tunnel.example.com', ACP_ALLOW_UNAUTHENTICATED: 'true' },
      '/',
    );
    expect(c.ACP_ALLOW_UNAUTHENTICATED).toBe(true);
    expect(connectionHelp(c, 'http://127.0.0.1:8787')).toMatch(/WARNING: ACP_ALLOW_UNAUTHENTICATED/);
    expect(
      problems({
        ACP_ALLOW_UNAUTHENTICATED: 'true',
        STRIPE_SECRET_KEY: 'sk_live_abcdef123',
        STRIPE_WEBHOOK_SECRET: 'whsec_x',
        ACP_API_KEYS: KEY,
      }),
    ).toMatch(/ACP_ALLOW_UNAUTHENTICATED cannot be used with a live STRIPE_SECRET_KEY/);
    expect(problems({ HOST: '0.0.0.0', ACP_ALLOW_UNAUTHENTICATED: 'true' })).toMatch(
      /ACP_API_KEYS is required when HOST/,
    );
  });

  it('decides who opens the dashboard: open only for local work, else ACP_MERCHANT_KEY, else disabled', () => {
    const dash = (env: Record<string, string>) => loadConfig(env, '/').dashboard;
    expect(dash({})).toBe('open');
    expect(dash({ ACP_MERCHANT_KEY: MERCHANT })).toBe('merchant_key');
    expect(dash({ ACP_API_KEYS: KEY })).toBe('disabled');
    expect(dash({ PUBLIC_URL: 'https://shop.example.com', ACP_API_KEYS: KEY })).toBe('disabled');
    expect(dash({ PUBLIC_URL: 'https://tunnel.example.com', ACP_ALLOW_UNAUTHENTICATED: 'true' })).toBe(
      'disabled',
    );
    expect(
      dash({ PUBLIC_URL: 'https://shop.example.com', ACP_API_KEYS: KEY, ACP_MERCHANT_KEY: MERCHANT }),
    ).toBe('merchant_key');
    expect(problems({ ACP_API_KEYS: `a:${MERCHANT}`, ACP_MERCHANT_KEY: MERCHANT })).toMatch(
      /ACP_MERCHANT_KEY must differ from every ACP_API_KEYS key/,
    );
    expect(problems({ ACP_MERCHANT_KEY: 'short' })).toMatch(/ACP_MERCHANT_KEY must be at least 16/);
    const help = (env: Record<string, string>) =>
      connectionHelp(loadConfig(env, '/'), 'http://127.0.0.1:8787');
    expect(help({ ACP_API_KEYS: KEY })).toMatch(/Dashboard: .*DISABLED.*ACP_MERCHANT_KEY/);
    expect(help({ ACP_MERCHANT_KEY: MERCHANT })).toMatch(/Dashboard: .*ACP_MERCHANT_KEY as the password/);
    expect(help({ ACP_MERCHANT_KEY: MERCHANT })).not.toContain(MERCHANT);
  });

  it('parses id:secret keys and keeps bare keys (identity derived from a hash, never the key)', () => {
    expect(parseApiKeys(`agent_a:${KEY}, ${KEY}x`)).toEqual([
      { id: 'agent_a', key: KEY },
      { key: `${KEY}x` },
    ]);
    expect(problems({ ACP_API_KEYS: `internal:${KEY}` })).toMatch(/reserved/);
    expect(problems({ ACP_API_KEYS: `a:${KEY},a:${KEY}x` })).toMatch(/unique/);
  });
});

describe('bad configuration does not start', () => {
  it('refuses ACP_ALLOW_RAW_TEST_CARDS with a live key, naming the variable', () => {
    const msg = problems({
      STRIPE_SECRET_KEY: 'sk_live_abcdef123',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      ACP_API_KEYS: KEY,
      ACP_ALLOW_RAW_TEST_CARDS: 'true',
    });
    expect(msg).toMatch(/ACP_ALLOW_RAW_TEST_CARDS must not be set with a live STRIPE_SECRET_KEY/);
    expect(msg).not.toContain('abcdef123');
  });

  it('checks STRIPE_SECRET_KEY against the account at start-up (an unknown key is a clear error)', async () => {
    const emulator: StripeEmulator = await startStripeEmulator({
      acceptedKeys: ['sk_test_known_key_123456'],
      accountId: 'acct_access_test',
    });
    cleanups.push(() => emulator.close());
    const env = (key: string) =>
      loadConfig(
        { STRIPE_SECRET_KEY: key, STRIPE_WEBHOOK_SECRET: 'whsec_test', ACP_DATA_DIR: tempDir() },
        '/',
      );
    const failed = await createDemoRuntime(env('sk_test_revoked_key_999999'), silent, {
      stripeConfig: emulator.stripeConfig,
    }).then(
      (rt) => {
        cleanups.push(() => rt.close());
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(failed.message).toMatch(/STRIPE_SECRET_KEY was refused by Stripe/);
    expect(failed.message).not.toContain('revoked_key_999999');
    const ok = await createDemoRuntime(env('sk_test_known_key_123456'), silent, {
      stripeConfig: emulator.stripeConfig,
    });
    cleanups.push(() => ok.close());
    expect(ok.service.config.paymentHandlers[0]!.config).toMatchObject({ merchant_id: 'acct_access_test' });
  });

  it('names DATABASE_URL (without its password) when PostgreSQL cannot be reached', async () => {
    const failed = await createDemoRuntime(
      loadConfig({ DATABASE_URL: 'postgres://shop:s3cretpw@127.0.0.1:1/shop', ACP_DATA_DIR: tempDir() }, '/'),
      silent,
    ).then(
      (rt) => {
        cleanups.push(() => rt.close());
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(failed.message).toMatch(/DATABASE_URL/);
    expect(failed.message).toContain('(postgres://127.0.0.1:1/shop)');
    expect(failed.message).not.toContain('s3cretpw');
  });

  it('a DATABASE_URL with its password as a query parameter is not printed', async () => {
    const failed = await createDemoRuntime(
      loadConfig(
        { DATABASE_URL: 'postgres://shop@127.0.0.1:1/shop?password=s3cretpw', ACP_DATA_DIR: tempDir() },
        '/',
      ),
      silent,
    ).then(
      (rt) => {
        cleanups.push(() => rt.close());
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(failed.message).toMatch(/DATABASE_URL/);
    expect(failed.message).not.toContain('s3cretpw');
    // Scheme, host, port and database name only.
    expect(failed.message).toContain('(postgres://127.0.0.1:1/shop)');
  });

  it('says payments may fail, naming STRIPE_SECRET_KEY, when Stripe cannot be reached at start-up', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', (l) => lines.push(l));
    const rt = await createDemoRuntime(
      loadConfig(
        {
          STRIPE_SECRET_KEY: 'sk_test_unreachable_123456',
          STRIPE_WEBHOOK_SECRET: 'whsec_x',
          ACP_DATA_DIR: tempDir(),
        },
        '/',
      ),
      logger,
      { stripeConfig: { host: '127.0.0.1', port: 1, protocol: 'http', maxNetworkRetries: 0 } },
    );
    cleanups.push(() => rt.close());
    // @acp/checkout warns in its own words (its option names); the demo's line names the variable.
    const warning = lines
      .map((l) => JSON.parse(l) as { msg: string })
      .find((l) => /reach Stripe/.test(l.msg) && /STRIPE_SECRET_KEY/.test(l.msg));
    expect(warning?.msg).toMatch(/STRIPE_SECRET_KEY/);
    expect(warning?.msg).toMatch(/payments may fail/);
    expect(lines.join('\n')).not.toContain('unreachable_123456');
  });

  it('the printed stdio snippet carries the Stripe configuration in Stripe modes, never the secrets', () => {
    const c = loadConfig(
      {
        STRIPE_SECRET_KEY: 'sk_test_abcdef123456',
        STRIPE_WEBHOOK_SECRET: 'whsec_abcdef',
        PUBLIC_URL: 'https://shop.example.com',
        ACP_API_KEYS: KEY,
      },
      '/srv',
    );
    const help = connectionHelp(c, 'http://127.0.0.1:8787');
    const snippet = JSON.parse(help.slice(help.indexOf('{'), help.indexOf('\n}\n') + 2)) as {
      mcpServers: Record<string, { env: Record<string, string> }>;
    };
    const env = snippet.mcpServers['acp-demo-store']!.env;
    expect(env).toMatchObject({
      STRIPE_SECRET_KEY: '<same STRIPE_SECRET_KEY>',
      STRIPE_WEBHOOK_SECRET: '<same STRIPE_WEBHOOK_SECRET>',
      PUBLIC_URL: 'https://shop.example.com',
    });
    expect(help).not.toContain('abcdef123456');
    expect(help).not.toContain(KEY);
    // The placeholder itself is refused: the stdio entry cannot silently fall back to the emulator.
    expect(problems({ ...env, ACP_DATA_DIR: '/tmp' }, 'stdio')).toMatch(/STRIPE_SECRET_KEY must look like/);
  });
});

describe('store pages and transports', () => {
  it('the dashboard opens with ACP_MERCHANT_KEY only (Basic or Bearer), never with an agent key', async () => {
    const rt = await runtime({
      PUBLIC_URL: 'https://shop.example.com',
      ACP_API_KEYS: `agent_a:${KEY}`,
      ACP_MERCHANT_KEY: MERCHANT,
    });
    const http = createDemoHttpHandler(rt, silent);
    const get = (path: string, authorization?: string, host = 'shop.example.com') =>
      http.fetch(page(`https://${host}${path}`, authorization ? { authorization } : {}));
    for (const path of ['/', '/dashboard/data.json']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, basic('x'))).status, path).toBe(401);
      expect((await get(path, basic(`${MERCHANT}${MERCHANT}`))).status, path).toBe(401);
      expect((await get(path, basic(KEY))).status, path).toBe(401);
      expect((await get(path, `Bearer ${KEY}`)).status, path).toBe(401);
      expect((await get(path, basic(MERCHANT))).status, path).toBe(200);
      expect((await get(path, `Bearer ${MERCHANT}`)).status, path).toBe(200);
    }
    // Bound to loopback behind the proxy, the merchant's own machine reaches it too (Host 127.0.0.1).
    expect((await get('/', basic(MERCHANT), '127.0.0.1:8787')).status).toBe(200);
    // Product images and policies stay public.
    expect((await get('/policies/terms')).status).toBe(200);
  });

  it("an agent key does not open another agent's sessions on the dashboard (object-level authorization, 8b)", async () => {
    const rt = await runtime({
      PUBLIC_URL: 'https://shop.example.com',
      ACP_API_KEYS: `agent_a:${KEY_A},agent_b:${KEY_B}`,
    });
    const lines: string[] = [];
    const http = createDemoHttpHandler(
      rt,
      createLogger('warn', (l) => lines.push(l)),
    );
    // Agent keys are required here and no ACP_MERCHANT_KEY is set: the dashboard is off, and the log says how
    // to turn it on.
    expect(rt.config.dashboard).toBe('disabled');
    expect(lines.join('\n')).toMatch(/dashboard disabled.*ACP_MERCHANT_KEY/);
    const created = await http.fetch(
      new Request('https://shop.example.com/checkout_sessions', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY_A}`,
          host: 'shop.example.com',
          'api-version': '2026-04-17',
          'content-type': 'application/json',
          'idempotency-key': crypto.randomUUID(),
        },
        body: JSON.stringify({
          currency: 'usd',
          line_items: [{ id: 'ebook_mcp' }],
          capabilities: { interventions: { supported: [] } },
          buyer: { email: 'ada.lovelace@example.com', first_name: 'Ada', last_name: 'Lovelace' },
        }),
      }),
    );
    expect(created.status, await created.clone().text()).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    // Agent B cannot read the session over REST...
    const rest = await http.fetch(
      new Request(`https://shop.example.com/checkout_sessions/${id}`, {
        headers: { authorization: `Bearer ${KEY_B}`, host: 'shop.example.com', 'api-version': '2026-04-17' },
      }),
    );
    expect(rest.status).toBe(404);
    // ...nor through the merchant dashboard.
    const dash = await http.fetch(
      new Request('https://shop.example.com/dashboard/data.json', {
        headers: { authorization: basic(KEY_B), host: 'shop.example.com' },
      }),
    );
    const text = await dash.text();
    expect({ status: dash.status, showsOtherAgentsSession: text.includes(id) }).toEqual({
      status: 401,
      showsOtherAgentsSession: false,
    });
    expect(text).toMatch(/ACP_MERCHANT_KEY/);
  });

  it('order permalinks are capability URLs: open for the holder, 404 for a bare, guessed or borrowed id', async () => {
    const rt = await runtime({
      PUBLIC_URL: 'https://shop.example.com',
      ACP_API_KEYS: `agent_a:${KEY_A},agent_b:${KEY_B}`,
      ACP_MERCHANT_KEY: MERCHANT,
    });
    const http = createDemoHttpHandler(rt, silent);
    const first = await buy(rt, http, KEY_A, 'grace.hopper@example.com');
    const second = await buy(rt, http, KEY_A, 'alan.turing@example.com');
    const link = new URL(first.permalink_url);
    expect(link.origin).toBe('https://shop.example.com');
    expect(link.pathname).toBe(`/orders/${first.id}`);
    expect(link.searchParams.get('t')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const get = (url: string, authorization?: string) =>
      http.fetch(page(url, authorization ? { authorization } : {}));
    // The buyer (or the agent) opens the link without any key; the page shows the order, not the buyer.
    const opened = await get(first.permalink_url);
    const body = await opened.text();
    expect(opened.status).toBe(200);
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(body).toContain(first.id);
    expect(body).not.toMatch(/grace|hopper|@example\.com/i);
    // Without the token, with a wrong one, with another order's, or with an agent key: the unknown-id page.
    const unknown = await get('https://shop.example.com/orders/ord_does_not_exist', basic(MERCHANT));
    expect(unknown.status).toBe(404);
    const notFound = await unknown.text();
    const otherToken = new URL(second.permalink_url).searchParams.get('t')!;
    for (const [url, auth] of [
      [`https://shop.example.com/orders/${first.id}`, undefined],
      [`https://shop.example.com/orders/${first.id}?t=${'A'.repeat(22)}`, undefined],
      [`https://shop.example.com/orders/${first.id}?t=${otherToken}`, undefined],
      [`https://shop.example.com/orders/${first.id}?t=`, undefined],
      [`https://shop.example.com/orders/${first.id}`, `Bearer ${KEY_A}`],
      [`https://shop.example.com/orders/${first.id}`, basic(KEY_B)],
    ] as const) {
      const res = await get(url, auth);
      expect(res.status, url).toBe(404);
      expect(await res.text()).toBe(notFound);
    }
    // The merchant credential opens any order page.
    expect((await get(`https://shop.example.com/orders/${second.id}`, basic(MERCHANT))).status).toBe(200);
    // A token is bound to the server secret: another store (another secret) does not accept it.
    const other = await runtime({ PUBLIC_URL: 'https://shop.example.com', ACP_API_KEYS: `agent_a:${KEY_A}` });
    expect(other.orderLinks.verify(first.id, link.searchParams.get('t'))).toBe(false);
    expect(rt.orderLinks.verify(first.id, link.searchParams.get('t'))).toBe(true);
  });

  it('order links survive a restart on the same data directory, or use ACP_ORDER_LINK_SECRET', async () => {
    const dir = tempDir();
    const a = await runtime({ ACP_DATA_DIR: dir });
    const url = a.orderLinks.url('ord_123');
    await a.close();
    const b = await runtime({ ACP_DATA_DIR: dir });
    expect(b.orderLinks.url('ord_123')).toBe(url);
    const secret = 'order_link_secret_0123456789abcdef0123';
    const c = await runtime({ ACP_ORDER_LINK_SECRET: secret });
    const d = await runtime({ ACP_ORDER_LINK_SECRET: secret });
    expect(c.orderLinks.url('ord_123')).toBe(d.orderLinks.url('ord_123'));
    expect(c.orderLinks.url('ord_123')).not.toBe(url);
  });

  it('the dashboard is protected against DNS rebinding like the API (foreign Host refused on loopback)', async () => {
    const rt = await runtime({});
    const http = createDemoHttpHandler(rt, silent);
    const api = await http.fetch(
      new Request('http://evil.example:8787/checkout_sessions/cs_1', {
        headers: { host: 'evil.example:8787', 'api-version': '2026-04-17' },
      }),
    );
    expect(api.status).toBe(403);
    const dash = await http.fetch(
      new Request('http://evil.example:8787/dashboard/data.json', { headers: { host: 'evil.example:8787' } }),
    );
    expect(dash.status).toBe(403);
    for (const path of ['/', '/orders/ord_1', '/policies/terms', '/images/mug_classic.svg']) {
      const res = await http.fetch(page(`http://evil.example:8787${path}`));
      expect(res.status, path).toBe(403);
    }
    // A browser Origin other than the store's is refused too; the store's own is fine.
    const cross = await http.fetch(
      page('http://127.0.0.1:8787/dashboard/data.json', { origin: 'http://evil.example' }),
    );
    expect(cross.status).toBe(403);
    const same = await http.fetch(
      page('http://127.0.0.1:8787/dashboard/data.json', { origin: 'http://127.0.0.1:8787' }),
    );
    expect(same.status).toBe(200);
  });

  it('a malformed order id is a 4xx, not a 500', async () => {
    const rt = await runtime({});
    const http = createDemoHttpHandler(rt, silent);
    const res = await http.fetch(page('http://127.0.0.1:8787/orders/%E0%A4%A'));
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toMatch(/URIError|at .*\.ts|stack/);
  });

  it('without agent keys on loopback (local work) the dashboard and order pages are open', async () => {
    const rt = await runtime({});
    expect(rt.config.dashboard).toBe('open');
    const http = createDemoHttpHandler(rt, silent);
    expect((await http.fetch(page('http://127.0.0.1:8787/'))).status).toBe(200);
    const order = await buy(rt, http, undefined, 'ada@example.com');
    expect((await http.fetch(page(`http://127.0.0.1:8787/orders/${order.id}`))).status).toBe(200);
    expect((await http.fetch(page(order.permalink_url))).status).toBe(200);
  });

  it('compares page credentials over fixed-length digests: any length, every key', () => {
    const keys = [{ key: KEY }, { key: `${KEY}-second` }];
    expect(matchesAnyKey(KEY, keys)).toBe(true);
    expect(matchesAnyKey(`${KEY}-second`, keys)).toBe(true);
    for (const wrong of ['', 'x', KEY.slice(0, -1), `${KEY}x`, 'y'.repeat(10_000)]) {
      expect(matchesAnyKey(wrong, keys)).toBe(false);
    }
  });

  it('with ACP_SIGNING_SECRET, an unsigned create over /mcp is refused like an unsigned REST call', async () => {
    const rt = await runtime({ ACP_SIGNING_SECRET: 'demo_signing_secret_0123456789' });
    const http = createDemoHttpHandler(rt, silent);
    const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
      http.fetch(
        new Request(`http://127.0.0.1:8787${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'api-version': '2026-04-17',
            'idempotency-key': crypto.randomUUID(),
            host: '127.0.0.1:8787',
            ...extra,
          },
          body: JSON.stringify(body),
        }),
      );
    const payload = {
      currency: 'usd',
      line_items: [{ id: 'mug_classic' }],
      capabilities: { interventions: { supported: [] } },
    };
    const rest = await post('/checkout_sessions', payload);
    expect(rest.status).toBe(401);
    expect(await rest.json()).toMatchObject({ code: 'invalid_signature' });
    const mcp = await post(
      '/mcp',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'create_checkout_session',
          arguments: { meta: { api_version: '2026-04-17', idempotency_key: crypto.randomUUID() }, payload },
        },
      },
      { 'mcp-protocol-version': '2025-06-18' },
    );
    expect(await mcp.text()).toContain('invalid_signature');
    const sessions = await rt.store.listSessions({ limit: 10 });
    expect(sessions.sessions).toHaveLength(0);
  });
});

describe('collect_payment_info follows the stripe client (@acp/stripe, used through @acp/checkout)', () => {
  it('is offered only when the client itself sends a test key (not a declared mode)', () => {
    const test = new Stripe('sk_test_client_key_123456');
    expect(createStripeTestPaymentsProvider(test, { secretKey: 'sk_test_client_key_123456' })?.mode).toBe(
      'test',
    );
    // A client whose key cannot be read (custom authenticator, e.g. a live key fetched from a vault): no tool,
    // although the configured string is a test key.
    const opaque = new Stripe(
      null as unknown as string,
      {
        authenticator: async (request: { headers: Record<string, string> }) => {
          await Promise.resolve();
          request.headers.Authorization = 'Bearer sk_live_from_vault_123456';
        },
      } as unknown as Stripe.StripeConfig,
    );
    expect(
      createStripeTestPaymentsProvider(opaque, { secretKey: 'sk_test_client_key_123456' }),
    ).toBeUndefined();
  });
});

/** Buys one ebook through REST as `key` (or unauthenticated) with the emulator's pm_card_visa; the order. */
async function buy(
  rt: DemoRuntime,
  http: { fetch(r: Request): Promise<Response> },
  key: string | undefined,
  email: string,
): Promise<{ id: string; permalink_url: string }> {
  const base = rt.config.publicUrl;
  const host = new URL(base).host;
  const headers = () => ({
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    host,
    'api-version': '2026-04-17',
    'content-type': 'application/json',
    'idempotency-key': crypto.randomUUID(),
  });
  const created = await http.fetch(
    new Request(`${base}/checkout_sessions`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        capabilities: { interventions: { supported: [] } },
        buyer: { email, first_name: 'Grace', last_name: 'Hopper' },
      }),
    }),
  );
  const session = (await created.json()) as {
    id: string;
    status: string;
    totals: { type: string; amount: number }[];
  };
  expect(session.status).toBe('ready_for_payment');
  const total = session.totals.find((t) => t.type === 'total')!.amount;
  const token = await rt.testPayments!.createTestToken({
    sessionId: session.id,
    paymentMethodId: 'pm_card_visa',
    amount: total,
    currency: 'usd',
  });
  const done = await http.fetch(
    new Request(`${base}/checkout_sessions/${session.id}/complete`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        payment_data: {
          handler_id: 'card_tokenized',
          instrument: { type: 'card', credential: { type: 'spt', token: token.shared_payment_token } },
        },
      }),
    }),
  );
  const completed = (await done.json()) as { order?: { id: string; permalink_url: string } };
  expect(completed.order, JSON.stringify(completed)).toBeDefined();
  return completed.order!;
}
