/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} are .mcpb manifest substitutions, not template literals */
import { createMemoryStore } from '@acp/core/memory';
import { describe, expect, it } from 'vitest';
import { catalogProducts, DEMO_PRODUCTS, productSvg } from '../src/catalog.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { dashboardData, renderDashboard } from '../src/dashboard.js';
import { createLogger, luhnValid, redact, redactText } from '../src/logger.js';
import { demoManifest } from '../src/mcpb.js';

describe('config', () => {
  it('has sane defaults: loopback, port 8787, emulator payments, data dir under cwd', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c).toMatchObject({
      PORT: 8787,
      HOST: '127.0.0.1',
      payments: 'emulator',
      dataDir: '/srv/app/.acp-data',
    });
    expect(c.publicUrl).toBe('http://127.0.0.1:8787');
    expect(c.ACP_ALLOW_RAW_TEST_CARDS).toBe(false);
  });
  it('lists every problem clearly and never echoes secret values', () => {
    try {
      loadConfig(
        { HOST: '0.0.0.0', PORT: 'eighty', STRIPE_SECRET_KEY: 'sk_live_abc123', DATABASE_URL: 'mysql://x' },
        '/',
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('ACP_API_KEYS is required when HOST (0.0.0.0) is not a loopback address');
      expect(msg).toContain('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY');
      expect(msg).toContain('DATABASE_URL must be a postgres');
      expect(msg).not.toContain('abc123');
    }
  });
  it('treats empty variables as unset (bundles pass empty strings for unset options)', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: ' ', ACP_DATA_DIR: '' }, '/srv');
    expect(c.payments).toBe('emulator');
    expect(c.dataDir).toBe('/srv/.acp-data');
  });

  it('detects live keys', () => {
    const c = loadConfig(
      {
        STRIPE_SECRET_KEY: 'sk_live_abcdef',
        STRIPE_WEBHOOK_SECRET: 'whsec_x',
        ACP_API_KEYS: 'agent_a:0123456789abcdef0123',
      },
      '/',
    );
    expect(c.payments).toBe('stripe-live');
    expect(loadConfig({ ACP_ALLOW_RAW_TEST_CARDS: 'true' }, '/').ACP_ALLOW_RAW_TEST_CARDS).toBe(true);
  });
});

describe('logger', () => {
  it('redacts card numbers that pass Luhn, card fields and secrets', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(redactText('card 4242 4242 4242 4242 ok, order 1234567890123')).toBe(
      'card [REDACTED PAN] ok, order 1234567890123',
    );
    expect(
      redact({
        cardNumber: '4000000000000002',
        cvc: '123',
        nested: { note: 'pay with 5555555555554444' },
        amount: 1999,
      }),
    ).toEqual({
      cardNumber: '[REDACTED]',
      cvc: '[REDACTED]',
      nested: { note: 'pay with [REDACTED PAN]' },
      amount: 1999,
    });
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    log.debug('hidden');
    log.info('key sk_test_51HabcdefGHIJ used', { card: '4242424242424242' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('4242424242424242');
    expect(lines[0]).not.toContain('51HabcdefGHIJ');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', card: '[REDACTED]' });
  });
});

describe('catalog', () => {
  it('has a dozen products: digital, physical, low-stock and out-of-stock, each with an image', () => {
    expect(DEMO_PRODUCTS.length).toBeGreaterThanOrEqual(12);
    expect(DEMO_PRODUCTS.some((p) => p.fulfillment === 'digital')).toBe(true);
    expect(DEMO_PRODUCTS.some((p) => p.availableQuantity === 0)).toBe(true);
    expect(
      DEMO_PRODUCTS.some((p) => (p.availableQuantity ?? 99) > 0 && (p.availableQuantity ?? 99) <= 3),
    ).toBe(true);
    for (const p of catalogProducts('http://127.0.0.1:8787/')) {
      expect(p.images?.[0]).toBe(`http://127.0.0.1:8787/images/${p.id}.svg`);
      expect(productSvg(p.id)).toContain('<svg');
    }
    expect(productSvg('nope')).toBeUndefined();
  });
});

describe('dashboard', () => {
  it('renders orders and sessions, escaping content', async () => {
    const store = createMemoryStore();
    const data = await dashboardData(store, 'emulator', new Date('2026-11-24T12:00:00Z'));
    const html = renderDashboard(data, '<b>Shop</b>');
    expect(html).toContain('No orders yet');
    expect(html).toContain('&lt;b&gt;Shop&lt;/b&gt;');
    expect(html).toContain('payments simulated');
  });
});

describe('.mcpb manifest', () => {
  it('runs the stdio entry and keeps the Stripe secrets in sensitive user_config', () => {
    const m = demoManifest('0.1.0', 'linux');
    expect(m.manifest_version).toBe('0.3');
    expect(m.server.mcp_config.args).toEqual(['${__dirname}/server/dist/bin/stdio.js']);
    expect(m.user_config.stripe_secret_key).toMatchObject({ sensitive: true, required: false });
    expect(m.user_config.stripe_webhook_secret).toMatchObject({ sensitive: true });
    expect(m.server.mcp_config.env.STRIPE_SECRET_KEY).toBe('${user_config.stripe_secret_key}');
    expect(m.compatibility.platforms).toEqual(['linux']);
  });
});
