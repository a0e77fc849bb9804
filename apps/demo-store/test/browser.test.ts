// Headless-browser checks of the dashboard and the emulator's hosted pay page, driven by playwright-core in
// Debian's chromium (no browser download). Screenshots are kept in apps/demo-store/test-results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specPresent } from '@acp/spec-oracle';
import { requireService } from '@acp/test-env';
import type { Client } from '@modelcontextprotocol/client';
import { type Browser, chromium } from 'playwright-core';
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
