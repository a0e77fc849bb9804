// End to end as chat clients drive the store: real processes, real MCP clients (HTTP and stdio), the real
// stripe client against the embedded emulator, SQLite on disk. Each purchase is checked on the dashboard.
import { specPresent, validateDef } from '@acp/spec-oracle';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADDRESS,
  assertBuilt,
  httpClient,
  idem,
  type RunningStore,
  startStore,
  stdioClient,
  type ToolResult,
  tempDataDir,
  tools,
  V,
} from './harness.js';

type Session = {
  id: string;
  status: string;
  order?: { id: string; permalink_url: string };
  messages: { type: string; code?: string }[];
};

const sessionOf = (r: ToolResult) => r.structuredContent as unknown as Session;

function expectValid(def: string, value: unknown) {
  const v = validateDef(def, value);
  expect(v.valid, v.text).toBe(true);
}

/** A purchase the way a model is guided to do it: search → create → update → collect_payment_info → complete. */
async function buy(
  client: Client,
  opts: { query: string; productId: string; paymentMethodId: string; quantity?: number },
): Promise<{ session: Session; completed: ToolResult }> {
  const call = tools(client);
  const found = await call('search_products', { query: opts.query });
  expect(found.isError).toBeFalsy();
  const products = (found.structuredContent as { products: { id: string }[] }).products;
  expect(products.map((p) => p.id)).toContain(opts.productId);

  const created = await call('create_checkout_session', {
    meta: { api_version: V, idempotency_key: idem() },
    payload: {
      currency: 'usd',
      line_items: [{ id: opts.productId, ...(opts.quantity ? { quantity: opts.quantity } : {}) }],
      capabilities: { interventions: { supported: ['3ds'] } },
    },
  });
  expect(created.isError).toBeFalsy();
  const session = sessionOf(created);
  expectValid('CheckoutSession', session);

  const updated = await call('update_checkout_session', {
    meta: { api_version: V, idempotency_key: idem() },
    id: session.id,
    payload: {
      buyer: { email: 'ada@example.com', first_name: 'Ada' },
      fulfillment_details: { address: ADDRESS },
    },
  });
  const withAddress = sessionOf(updated) as Session & { fulfillment_options: { id: string; type: string }[] };
  const shipping = withAddress.fulfillment_options.find((o) => o.type === 'shipping');
  if (shipping) {
    const selected = await call('update_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      id: session.id,
      payload: {
        selected_fulfillment_options: [
          { type: 'shipping', option_id: shipping.id, item_ids: [opts.productId] },
        ],
      },
    });
    expectValid('CheckoutSession', sessionOf(selected));
  }

  const token = await call('collect_payment_info', {
    sessionId: session.id,
    paymentMethodId: opts.paymentMethodId,
  });
  expect(token.isError, JSON.stringify(token)).toBeFalsy();
  const paymentData = (token.structuredContent as { payment_data: unknown }).payment_data;
  expect((token.structuredContent as { shared_payment_token: string }).shared_payment_token).toMatch(/^spt_/);

  const completed = await call('complete_checkout_session', {
    meta: { api_version: V, idempotency_key: idem() },
    id: session.id,
    payload: { payment_data: paymentData },
  });
  return { session, completed };
}

async function dashboard(url: string): Promise<string> {
  const res = await fetch(`${url}/`);
  expect(res.status).toBe(200);
  return res.text();
}

async function stockOf(client: Client, productId: string): Promise<number> {
  const r = await tools(client)('get_product', { product_id: productId });
  return (r.structuredContent as { product: { available_quantity: number } }).product.available_quantity;
}

describe.skipIf(!specPresent())('demo store end to end', () => {
  const dataDir = tempDataDir();
  let store: RunningStore;
  let client: Client;

  beforeAll(async () => {
    assertBuilt();
    store = await startStore({ ACP_DATA_DIR: dataDir });
    client = await httpClient(store.url);
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    await store?.stop();
  });

  it('serves discovery, the dashboard and product images; says payments are simulated', async () => {
    expect(store.stderr()).toContain('payments are SIMULATED');
    const discovery = await fetch(`${store.url}/.well-known/acp.json`);
    expect(discovery.headers.get('cache-control')).toContain('max-age=3600');
    expectValid('DiscoveryResponse', await discovery.json());
    expect(await dashboard(store.url)).toContain('payments simulated');
    const img = await fetch(`${store.url}/images/mug_stoneware.svg`);
    expect(img.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('over HTTP: a purchase lands on the dashboard and stock drops', async () => {
    const before = await stockOf(client, 'mug_stoneware');
    const { session, completed } = await buy(client, {
      query: 'mug',
      productId: 'mug_stoneware',
      paymentMethodId: 'pm_card_visa',
      quantity: 2,
    });
    const done = sessionOf(completed);
    expect(done.status).toBe('completed');
    expectValid('CheckoutSessionWithOrder', done);
    expect(await dashboard(store.url)).toContain(done.order!.id);
    expect(await stockOf(client, 'mug_stoneware')).toBe(before - 2);
    const permalink = await fetch(done.order!.permalink_url);
    expect(await permalink.text()).toContain(done.order!.id);
    const order = await tools(client)('get_order', { checkout_session_id: session.id });
    expect((order.structuredContent as { order: { id: string } }).order.id).toBe(done.order!.id);
  });

  it('a declined card keeps the session payable with a payment_declined message', async () => {
    const { completed } = await buy(client, {
      query: 'notebook',
      productId: 'notebook_dotgrid',
      paymentMethodId: 'pm_card_visa_chargeDeclined',
    });
    const s = sessionOf(completed);
    expect(s.status).toBe('ready_for_payment');
    expect(s.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'payment_declined' }));
  });

  it('a 3DS card asks for authentication', async () => {
    const { completed } = await buy(client, {
      query: 'hoodie',
      productId: 'hoodie_zip',
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    const s = sessionOf(completed) as Session & { authentication_metadata?: unknown };
    expect(s.status).toBe('authentication_required');
    expect(s.authentication_metadata).toBeDefined();
  });

  it('a chat client without 3DS (interventions.supported: []) paying with a 3DS card is sent to the payment link, where the bank challenge happens', async () => {
    const call = tools(client);
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        capabilities: { interventions: { supported: [] } },
        buyer: { email: 'reader@example.com' },
      },
    });
    const id = sessionOf(created).id;
    expect(sessionOf(created).status).toBe('ready_for_payment');
    const token = await call('collect_payment_info', {
      sessionId: id,
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    const completed = await call('complete_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      id,
      payload: { payment_data: (token.structuredContent as { payment_data: unknown }).payment_data },
    });
    const s = sessionOf(completed) as Session & { authentication_metadata?: unknown };
    expectValid('CheckoutSession', s);
    expect(s.status).toBe('ready_for_payment');
    expect(s.authentication_metadata).toBeUndefined();
    const message = s.messages.find((m) => m.type === 'error') as unknown as {
      code: string;
      content: string;
    };
    expect(message.code).toBe('payment_declined');
    expect(message.content).toContain('create_payment_link');
    // The offered path works: a hosted link, a 3DS challenge on the page, then the order.
    const link = await call('create_payment_link', { checkout_session_id: id });
    expect(link.isError, JSON.stringify(link)).toBeFalsy();
    const url = (link.structuredContent as { url: string }).url;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const challenge = await fetch(url, {
      method: 'POST',
      headers: form,
      body: 'payment_method=pm_card_authenticationRequired&action=pay',
      redirect: 'manual',
    });
    expect(challenge.status).toBe(200);
    expect(await challenge.text()).toContain('3ds-challenge');
    const paid = await fetch(url, {
      method: 'POST',
      headers: form,
      body: 'action=3ds_complete',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    let status = '';
    for (let i = 0; i < 100 && status !== 'completed'; i++) {
      status = sessionOf(await call('get_checkout_session', { meta: { api_version: V }, id })).status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('completed');
  });

  it('an out-of-stock item cannot be paid', async () => {
    const created = await tools(client)('create_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'print_limited' }],
        capabilities: {},
        buyer: { email: 'a@example.com' },
      },
    });
    const s = sessionOf(created);
    expect(s.status).toBe('not_ready_for_payment');
    expect(s.messages).toContainEqual(expect.objectContaining({ code: 'out_of_stock' }));
  });

  it('payment link: paid on the emulator hosted page, completed by the signed webhook', async () => {
    const call = tools(client);
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        capabilities: {},
        buyer: { email: 'reader@example.com' },
      },
    });
    const id = sessionOf(created).id;
    const link = await call('create_payment_link', { checkout_session_id: id });
    expect(link.isError, JSON.stringify(link)).toBeFalsy();
    const url = (link.structuredContent as { url: string }).url;
    const page = await fetch(url);
    expect(await page.text()).toContain('Pay');
    const paid = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payment_method=pm_card_visa&action=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBeLessThan(400);
    let status = '';
    for (let i = 0; i < 100 && status !== 'completed'; i++) {
      const got = await call('get_checkout_session', { meta: { api_version: V }, id });
      status = sessionOf(got).status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('completed');
  });

  it('over stdio (Claude Desktop): same data directory, the order shows on the HTTP dashboard', async () => {
    const { client: stdio, stderr } = await stdioClient({ ACP_DATA_DIR: dataDir });
    try {
      const { completed } = await buy(stdio, {
        query: 'ebook',
        productId: 'ebook_mcp',
        paymentMethodId: 'pm_card_mastercard',
      });
      const done = sessionOf(completed);
      expect(done.status).toBe('completed');
      expect(await dashboard(store.url)).toContain(done.order!.id);
      expect(stderr()).toContain('store: SQLite');
    } finally {
      await stdio.close();
    }
  });

  it('a generic ACP agent over REST: create → update → complete with an SPT → order', async () => {
    const h = (key?: string) => ({
      'content-type': 'application/json',
      'api-version': V,
      ...(key ? { 'idempotency-key': key } : {}),
      'request-id': 'req_e2e_1',
    });
    const created = await fetch(`${store.url}/checkout_sessions`, {
      method: 'POST',
      headers: h(idem()),
      body: JSON.stringify({
        currency: 'usd',
        line_items: [{ id: 'font_humanist' }],
        capabilities: { interventions: { supported: [] } },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('request-id')).toBe('req_e2e_1');
    const session = (await created.json()) as Session;
    expectValid('CheckoutSession', session);
    const updated = await fetch(`${store.url}/checkout_sessions/${session.id}`, {
      method: 'POST',
      headers: h(idem()),
      body: JSON.stringify({ buyer: { email: 'agent@example.com' } }),
    });
    expect(((await updated.json()) as Session).status).toBe('ready_for_payment');
    // The agent's payment UI would mint the SPT; in test mode collect_payment_info does the same.
    const token = await tools(client)('collect_payment_info', {
      sessionId: session.id,
      paymentMethodId: 'pm_card_amex',
    });
    const spt = (token.structuredContent as { shared_payment_token: string }).shared_payment_token;
    const key = idem();
    const body = JSON.stringify({
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: spt } },
      },
    });
    const completed = await fetch(`${store.url}/checkout_sessions/${session.id}/complete`, {
      method: 'POST',
      headers: h(key),
      body,
    });
    expect(completed.status).toBe(200);
    const done = (await completed.json()) as Session;
    expectValid('CheckoutSessionWithOrder', done);
    const replay = await fetch(`${store.url}/checkout_sessions/${session.id}/complete`, {
      method: 'POST',
      headers: h(key),
      body,
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as Session).order!.id).toBe(done.order!.id);
    expect(await dashboard(store.url)).toContain(done.order!.id);
  });

  it("ChatGPT over HTTP: the payment sheet's complete_checkout turns an SPT into an order", async () => {
    const call = tools(client);
    const created = await call('create_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      payload: {
        currency: 'usd',
        line_items: [{ id: 'planter_selfwatering' }],
        capabilities: { interventions: { supported: ['3ds'] } },
      },
    });
    const id = sessionOf(created).id;
    await call('update_checkout_session', {
      meta: { api_version: V, idempotency_key: idem() },
      id,
      payload: {
        buyer: { email: 'chatgpt-user@example.com' },
        fulfillment_details: { address: ADDRESS },
        selected_fulfillment_options: [
          { type: 'shipping', option_id: 'ship_express', item_ids: ['planter_selfwatering'] },
        ],
      },
    });
    // ChatGPT's payment sheet mints the SPT; in test mode collect_payment_info mints the same kind of token.
    const token = await call('collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' });
    expect(token.isError, JSON.stringify(token)).toBeFalsy();
    const spt = (token.structuredContent as { shared_payment_token: string }).shared_payment_token;
    const done = await call('complete_checkout', {
      checkout_session_id: id,
      buyer: { email: 'chatgpt-user@example.com', first_name: 'Sam' },
      payment_data: { token: spt, provider: 'stripe', billing_address: ADDRESS },
    });
    expect(done.isError, JSON.stringify(done)).toBeFalsy();
    const s = sessionOf(done);
    expect(s.status).toBe('completed');
    expectValid('CheckoutSessionWithOrder', s);
  });

  it('a restart keeps the orders', async () => {
    const before = (await (await fetch(`${store.url}/dashboard/data.json`)).json()) as {
      orders: { id: string }[];
    };
    expect(before.orders.length).toBeGreaterThanOrEqual(3);
    await client.close();
    await store.stop();
    store = await startStore({ ACP_DATA_DIR: dataDir });
    client = await httpClient(store.url);
    const after = (await (await fetch(`${store.url}/dashboard/data.json`)).json()) as {
      orders: { id: string }[];
    };
    expect(after.orders.map((o) => o.id).sort()).toEqual(before.orders.map((o) => o.id).sort());
  });
});
