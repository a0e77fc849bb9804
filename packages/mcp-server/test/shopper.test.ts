import { specPresent, validateDef } from '@acp/spec-oracle';
import { afterEach, describe, expect, it } from 'vitest';
import { API_VERSION, connect, createArgs, type Harness, memoryTestPayments } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Result = {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  content: { text: string }[];
} & Record<string, unknown>;
const call = async (name: string, args: Record<string, unknown>) =>
  (await h!.client.callTool({ name, arguments: args })) as Result;

async function readySession(): Promise<string> {
  const created = await call('create_checkout_session', createArgs(undefined, [{ id: 'ebook_mcp' }]));
  const id = created.id as string;
  await call('update_checkout_session', {
    meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
    id,
    payload: { buyer: { email: 'ada@example.com' } },
  });
  return id;
}

describe.skipIf(!specPresent())('shopper tools', () => {
  it('lists every tool with a title, annotations and an output schema', async () => {
    h = await connect({ testPayments: memoryTestPayments() });
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'cancel_checkout_session',
        'collect_payment_info',
        'complete_checkout',
        'complete_checkout_session',
        'create_checkout_session',
        'create_payment_link',
        'get_checkout_session',
        'get_order',
        'get_product',
        'search_products',
        'update_checkout_session',
      ].sort(),
    );
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description, t.name).toBeTruthy();
      expect(t.outputSchema, t.name).toBeDefined();
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.destructiveHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.idempotentHint, t.name).toBe('boolean');
    }
    const readOnly = tools
      .filter((t) => t.annotations?.readOnlyHint)
      .map((t) => t.name)
      .sort();
    expect(readOnly).toEqual(['get_checkout_session', 'get_order', 'get_product', 'search_products']);
    expect(tools.find((t) => t.name === 'complete_checkout_session')!.annotations!.destructiveHint).toBe(
      true,
    );
    const collect = tools.find((t) => t.name === 'collect_payment_info')!;
    expect(collect.description).toMatch(/TEST MODE ONLY/);
    expect(collect.description).toMatch(/pm_card_visa/);
    expect(Object.keys(collect.inputSchema.properties ?? {}).sort()).toEqual([
      'paymentMethodId',
      'sessionId',
    ]);
  });

  it('collect_payment_info is absent without a provider, or with a live one', async () => {
    h = await connect();
    expect((await h.client.listTools()).tools.map((t) => t.name)).not.toContain('collect_payment_info');
    await h.close();
    h = await connect({ testPayments: { ...memoryTestPayments(true), mode: 'live' } });
    expect((await h.client.listTools()).tools.map((t) => t.name)).not.toContain('collect_payment_info');
  });

  it('search_products and get_product', async () => {
    h = await connect();
    const found = await call('search_products', { query: 'mug' });
    const products = found.structuredContent!.products as Record<string, unknown>[];
    expect(products).toEqual([
      {
        id: 'mug_classic',
        name: 'Classic Mug',
        description: 'A 350 ml stoneware mug.',
        unit_amount: 1500,
        currency: 'usd',
        availability_status: 'in_stock',
        available_quantity: 100,
        images: [],
        category: 'kitchen',
      },
    ]);
    const tee = await call('get_product', { product_id: 'tee_black' });
    expect(tee.structuredContent!.product).toMatchObject({
      availability_status: 'low_stock',
      available_quantity: 3,
    });
    const soldOut = await call('search_products', { query: 'poster' });
    expect(
      (soldOut.structuredContent!.products as { availability_status: string }[])[0]!.availability_status,
    ).toBe('out_of_stock');
    const missing = await call('get_product', { product_id: 'nope' });
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent!.error).toMatchObject({ type: 'invalid_request', code: 'not_found' });
    const badArgs = await call('search_products', { limit: 500 });
    expect(badArgs.isError).toBe(true);
    expect(badArgs.content[0]!.text).toMatch(/limit/);
    // A validation failure names the field with a JSONPath param, like every other ACP error.
    expect(badArgs.structuredContent!.error).toMatchObject({ code: 'invalid', param: '$.limit' });
    const unknownKey = await call('get_product', { product_id: 'mug_classic', extra: 1 });
    expect(unknownKey.structuredContent!.error).toMatchObject({ code: 'invalid', param: '$.extra' });
  });

  it('test purchase in a chat client: collect_payment_info → complete_checkout_session → get_order', async () => {
    const payments = memoryTestPayments();
    h = await connect({ testPayments: payments });
    const id = await readySession();
    const collected = await call('collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' });
    expect(collected.isError).toBeFalsy();
    const sc = collected.structuredContent!;
    expect(sc).toMatchObject({ currency: 'usd', max_amount: 2174, handler_id: 'card_tokenized' });
    expect(payments.calls).toEqual([
      { sessionId: id, amount: 2174, currency: 'usd', paymentMethodId: 'pm_card_visa' },
    ]);
    const done = await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
      id,
      payload: { payment_data: sc.payment_data },
    });
    expect(done.status).toBe('completed');
    const orderId = (done.order as { id: string }).id;
    const byId = await call('get_order', { order_id: orderId });
    expect(byId.structuredContent!.checkout_session_id).toBe(id);
    expect(validateDef('Order', byId.structuredContent!.order).valid).toBe(true);
    expect(byId.structuredContent!.buyer).toBeUndefined(); // unauthenticated caller
    const bySession = await call('get_order', { checkout_session_id: id });
    expect(bySession.structuredContent!.order).toEqual(byId.structuredContent!.order);
    const none = await call('get_order', { checkout_session_id: 'cs_unknown' });
    expect(none.isError).toBe(true);
    const both = await call('get_order', { order_id: orderId, checkout_session_id: id });
    expect(both.isError).toBe(true);
  });

  it('get_order shows buyer details to an authorized caller only', async () => {
    h = await connect({}, { era: 'legacy', authInfo: { token: 't', clientId: 'agent-1', scopes: [] } });
    const id = await readySession();
    await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
      id,
      payload: {
        payment_data: {
          handler_id: 'card_tokenized',
          instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
        },
      },
    });
    const order = await call('get_order', { checkout_session_id: id });
    expect(order.structuredContent!.buyer).toMatchObject({ email: 'ada@example.com' });
  });

  it('raw test cards only when enabled, and card data never echoes', async () => {
    h = await connect({ testPayments: memoryTestPayments(false) });
    const id = await readySession();
    const refused = await call('collect_payment_info', {
      sessionId: id,
      cardNumber: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).not.toContain('4242424242424242');
    await h.close();

    const payments = memoryTestPayments(true);
    h = await connect({ testPayments: payments });
    const id2 = await readySession();
    const schema = (await h.client.listTools()).tools.find(
      (t) => t.name === 'collect_payment_info',
    )!.inputSchema;
    expect(Object.keys(schema.properties ?? {})).toContain('cardNumber');
    const badCvc = await call('collect_payment_info', {
      sessionId: id2,
      cardNumber: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '12a',
    });
    expect(badCvc.isError).toBe(true);
    expect((badCvc.structuredContent!.error as { param?: string }).param).toBe('$.cvc');
    expect(JSON.stringify(badCvc)).not.toMatch(/4242424242424242|12a/);
    const declined = await call('collect_payment_info', {
      sessionId: id2,
      cardNumber: '4000 0000 0000 0002',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    expect(declined.isError).toBe(true);
    expect(JSON.stringify(declined)).not.toMatch(/4000000000000002|4000 0000/);
    const ok = await call('collect_payment_info', {
      sessionId: id2,
      cardNumber: '4242 4242 4242 4242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    expect(ok.isError).toBeFalsy();
    expect(JSON.stringify(ok)).not.toContain('4242');
    expect(payments.calls.at(-1)).toMatchObject({ card: { number: '4242424242424242' } });
  });

  it("ChatGPT's complete_checkout: {checkout_session_id, buyer, payment_data{token, provider}} → order", async () => {
    h = await connect();
    const id = await readySession();
    const args = {
      checkout_session_id: id,
      buyer: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        phone_number: '+14155550100',
      },
      payment_data: {
        token: 'spt_test_visa',
        provider: 'stripe',
        billing_address: {
          name: 'Ada Lovelace',
          line_one: '1 Main St',
          city: 'Springfield',
          state: 'IL',
          country: 'US',
          postal_code: '62701',
        },
      },
    };
    const done = await call('complete_checkout', args);
    expect(done.isError).toBeFalsy();
    expect(done.structuredContent!.status).toBe('completed');
    expect(validateDef('CheckoutSessionWithOrder', done.structuredContent).valid).toBe(true);
    // ChatGPT retries are answered from the idempotency record: same order, one charge.
    const again = await call('complete_checkout', args);
    expect(again.structuredContent!.order).toEqual(done.structuredContent!.order);
    expect(h.checkout.gateway.succeededChargesFor(id)).toHaveLength(1);
    const unknownProvider = await call('complete_checkout', {
      ...args,
      payment_data: { token: 't', provider: 'adyen' },
    });
    expect(unknownProvider.isError).toBe(true);
  });

  it('create_payment_link returns a hosted url for a ready session', async () => {
    h = await connect();
    const id = await readySession();
    const link = await call('create_payment_link', { checkout_session_id: id });
    expect(link.isError).toBeFalsy();
    expect(link.structuredContent).toMatchObject({ checkout_session_id: id });
    expect(String(link.structuredContent!.url)).toMatch(/^https?:\/\//);
  });
});
