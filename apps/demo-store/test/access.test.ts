// Demo-store access and start-up rules (issue 10 items 6, 7, 8, 8b, 12): keys whenever the store is public or
// takes real money, private pages, constant-time page auth, bad configuration refused with the variable named,
// the stdio snippet carrying the payment configuration, and the same signing rule on REST and /mcp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoRuntime, type DemoRuntime } from '../src/app.js';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';
import { connectionHelp } from '../src/connect.js';
import { createDemoHttpHandler, matchesAnyKey } from '../src/http.js';
import { createLogger } from '../src/logger.js';

const KEY = 'agent_key_0123456789abcdef';
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
    expect(failed.message).toContain('postgres://shop:***@127.0.0.1:1/shop');
    expect(failed.message).not.toContain('s3cretpw');
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
  it('the dashboard and order pages need a key behind a proxy (loopback HOST, public PUBLIC_URL)', async () => {
    const rt = await runtime({ PUBLIC_URL: 'https://shop.example.com', ACP_API_KEYS: `agent_a:${KEY}` });
    const http = createDemoHttpHandler(rt, silent);
    const get = (path: string, authorization?: string) =>
      http.fetch(
        new Request(`https://shop.example.com${path}`, { headers: authorization ? { authorization } : {} }),
      );
    const basic = (password: string) => `Basic ${Buffer.from(`merchant:${password}`).toString('base64')}`;
    for (const path of ['/', '/dashboard/data.json', '/orders/ord_1']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, basic('x'))).status, path).toBe(401);
      expect((await get(path, basic(`${KEY}${KEY}`))).status, path).toBe(401);
      expect((await get(path, basic(KEY))).status, path).toBe(200);
      expect((await get(path, `Bearer ${KEY}`)).status, path).toBe(200);
    }
    // Product images and policies stay public.
    expect((await get('/policies/terms')).status).toBe(200);
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
