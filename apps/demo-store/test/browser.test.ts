// Headless-browser checks of the dashboard and the emulator's hosted pay page, driven by playwright-core in
// Debian's chromium (no browser download). Screenshots are kept in apps/demo-store/test-results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specPresent } from '@acp/spec-oracle';
import { requireService } from '@acp/test-env';
import type { Client } from '@modelcontextprotocol/client';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  httpClient,
  idem,
  type RunningStore,
  startStore,
  tempDataDir,
  tools,
  V,
} from './harness.js';

const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), '../test-results');

function chromiumPath(): string | undefined {
  // ACP_CHROMIUM: any Chromium or Chrome binary (CI runners that ship Chrome); else Debian's `chromium`.
  if (process.env.ACP_CHROMIUM) return process.env.ACP_CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = chromiumPath();
requireService(
  'Debian chromium',
  executablePath ? undefined : 'not installed',
  '.ci/setup-extras installs it (apt-get install chromium).',
);

describe.skipIf(!executablePath || !specPresent())('dashboard and hosted pay page in a real browser', () => {
  let store: RunningStore;
  let client: Client;
  let browser: Browser;

  beforeAll(async () => {
    assertBuilt();
    mkdirSync(artifacts, { recursive: true });
    store = await startStore({ ACP_DATA_DIR: tempDataDir() });
    client = await httpClient(store.url);
    browser = await chromium.launch({
      executablePath: executablePath!,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await client?.close().catch(() => {});
    await store?.stop();
  });

  it('a buyer pays a payment link on the hosted page; the dashboard shows the order live', async () => {
    const call = tools(client);
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'course_acp' }],
        capabilities: {},
        buyer: { email: 'learner@example.com' },
      },
    });
    const sessionId = (created.structuredContent as { id: string }).id;

    const dashboard = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await dashboard.goto(`${store.url}/`);
    expect(await dashboard.locator(`[data-session-id="${sessionId}"]`).count()).toBe(1);
    await dashboard.screenshot({ path: resolve(artifacts, 'dashboard-before.png'), fullPage: true });

    const link = await call('create_payment_link', { checkout_session_id: sessionId });
    const url = (link.structuredContent as { url: string }).url;
    const pay = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await pay.goto(url);
    expect(await pay.locator('text=Agentic Commerce Video Course').count()).toBeGreaterThan(0);
    await pay.screenshot({ path: resolve(artifacts, 'hosted-pay-page.png'), fullPage: true });
    await pay.selectOption('select[name="payment_method"]', 'pm_card_visa');
    await Promise.all([pay.waitForURL(/\/checkout\/return\?status=paid/), pay.click('button[value="pay"]')]);
    expect(await pay.textContent('h1')).toBe('Payment received');
    await pay.screenshot({ path: resolve(artifacts, 'checkout-return.png') });

    // The dashboard refreshes itself every 2 s: the new order appears without a reload.
    const orderRow = dashboard.locator('#orders tr[data-order-id]');
    await orderRow.first().waitFor({ timeout: 15_000 });
    expect(
      await dashboard
        .locator(`#sessions tr[data-session-id="${sessionId}"] .badge`)
        .textContent({ timeout: 15_000 }),
    ).toBe('completed');
    expect(await orderRow.first().textContent()).toContain('Agentic Commerce Video Course');
    await dashboard.screenshot({ path: resolve(artifacts, 'dashboard-after.png'), fullPage: true });
  });
});

describe.skipIf(!executablePath || !specPresent())(
  'merchant dashboard and order links in a real browser',
  () => {
    const AGENT_KEY = 'agent_browser_key_0123456789abcdef';
    const MERCHANT_KEY = 'merchant_browser_key_0123456789abcdef';
    let store: RunningStore;
    let client: Client;
    let browser: Browser;

    beforeAll(async () => {
      assertBuilt();
      mkdirSync(artifacts, { recursive: true });
      store = await startStore({
        ACP_DATA_DIR: tempDataDir(),
        ACP_API_KEYS: `agent:${AGENT_KEY}`,
        ACP_MERCHANT_KEY: MERCHANT_KEY,
      });
      client = await httpClient(store.url, { authorization: `Bearer ${AGENT_KEY}` });
      browser = await chromium.launch({
        executablePath: executablePath!,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await client?.close().catch(() => {});
      await store?.stop();
    });

    it('the dashboard asks for ACP_MERCHANT_KEY and refreshes with it; the buyer opens the order link without one', async () => {
      // Without the merchant credential (or with the agent key) the dashboard stays closed: Chromium answers the
      // Basic challenge with nothing (or gives up on a credential the server keeps refusing).
      const closed = async (context: BrowserContext) =>
        (await context.newPage()).goto(`${store.url}/`).then(
          (r) => String(r?.status()),
          (e: Error) => e.message,
        );
      const anonymous = await browser.newContext();
      expect(await closed(anonymous)).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      const agent = await browser.newContext({ httpCredentials: { username: 'agent', password: AGENT_KEY } });
      expect(await closed(agent)).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      const direct = await fetch(`${store.url}/`, {
        headers: { authorization: `Basic ${Buffer.from(`agent:${AGENT_KEY}`).toString('base64')}` },
      });
      expect(direct.status).toBe(401);

      const merchant = await browser.newContext({
        httpCredentials: { username: 'merchant', password: MERCHANT_KEY },
        viewport: { width: 1280, height: 800 },
      });
      const dashboard = await merchant.newPage();
      expect((await dashboard.goto(`${store.url}/`))?.status()).toBe(200);

      const call = tools(client);
      const created = await call('create_checkout_session', {
        meta: { api_version: V, idempotency_key: idem() },
        payload: {
          currency: 'usd',
          line_items: [{ id: 'course_acp' }],
          capabilities: {},
          buyer: { email: 'learner@example.com' },
        },
      });
      const sessionId = (created.structuredContent as { id: string }).id;
      // The page's own refresh (fetch of /dashboard/data.json) carries the credentials: the session appears.
      await dashboard.locator(`[data-session-id="${sessionId}"]`).waitFor({ timeout: 15_000 });

      const link = await call('create_payment_link', { checkout_session_id: sessionId });
      const pay = await anonymous.newPage();
      await pay.goto((link.structuredContent as { url: string }).url);
      await pay.selectOption('select[name="payment_method"]', 'pm_card_visa');
      await Promise.all([
        pay.waitForURL(/\/checkout\/return\?status=paid/),
        pay.click('button[value="pay"]'),
      ]);

      let order: { id: string; permalink_url: string } | undefined;
      for (let i = 0; i < 30 && !order; i++) {
        const got = await call('get_checkout_session', { meta: { api_version: V }, id: sessionId });
        order = (got.structuredContent as { order?: { id: string; permalink_url: string } }).order;
        if (!order) await new Promise((r) => setTimeout(r, 500));
      }
      expect(order).toBeDefined();
      // The buyer's browser, with no credential, opens the permalink; the bare order URL is not found.
      const buyer = await anonymous.newPage();
      const opened = await buyer.goto(order!.permalink_url.replace(/^https?:\/\/[^/]+/, store.url));
      expect(opened?.status()).toBe(200);
      expect(await buyer.textContent('h1')).toContain(order!.id);
      await buyer.screenshot({ path: resolve(artifacts, 'order-permalink.png') });
      const bare = await buyer.goto(`${store.url}/orders/${order!.id}`);
      expect(bare?.status()).toBe(404);
      await Promise.all([anonymous.close(), agent.close(), merchant.close()]);
    });
  },
);
