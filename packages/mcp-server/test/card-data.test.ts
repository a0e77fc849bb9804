// Card numbers in shopper-tool arguments are refused (typed error naming the argument, nothing echoed or
// stored); binding payloads are refused by core with `$.payload…` params. Raw TEST cards stay possible only
// in collect_payment_info's cardNumber (test mode, raw cards enabled).
import { specPresent } from '@acp/spec-oracle';
import { afterEach, describe, expect, it } from 'vitest';
import { redact, redactText } from '../src/index.js';
import { API_VERSION, connect, createArgs, type Harness, memoryTestPayments } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PAN = '4242 4242 4242 4242 12/31 737';
type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content: { text: string }[] };
const call = async (name: string, args: Record<string, unknown>) =>
  (await h!.client.callTool({ name, arguments: args })) as Result;

describe.skipIf(!specPresent())('card numbers in MCP tool arguments', () => {
  it('every shopper tool refuses a PAN-like argument with a typed error naming it, without echo', async () => {
    const payments = memoryTestPayments(true);
    h = await connect({ testPayments: payments });
    const created = (await call('create_checkout_session', createArgs(undefined, [{ id: 'ebook_mcp' }]))) as {
      id?: string;
    };
    const id = created.id!;
    const cases: [string, Record<string, unknown>, string][] = [
      ['search_products', { query: `mug ${PAN}` }, '$.query'],
      ['search_products', { category: PAN }, '$.category'],
      ['create_payment_link', { checkout_session_id: PAN }, '$.checkout_session_id'],
      ['get_order', { order_id: PAN }, '$.order_id'],
      ['collect_payment_info', { sessionId: PAN, paymentMethodId: 'pm_card_visa' }, '$.sessionId'],
      [
        'complete_checkout',
        {
          checkout_session_id: id,
          buyer: { email: 'a@b.co', name: `Ada ${PAN}` },
          payment_data: { token: 'spt_test_visa', provider: 'stripe' },
        },
        '$.buyer.name',
      ],
      [
        'complete_checkout',
        { checkout_session_id: id, payment_data: { token: PAN, provider: 'stripe' } },
        '$.payment_data.token',
      ],
      ['search_products', { '4242424242424242': 1 }, '$'],
    ];
    for (const [name, args, param] of cases) {
      const r = await call(name, args);
      expect(r.isError, `${name} ${param}`).toBe(true);
      expect(r.structuredContent?.error, `${name} ${param}`).toMatchObject({
        type: 'invalid_request',
        code: 'invalid',
        param,
      });
      expect(JSON.stringify(r), name).not.toMatch(/4242/);
    }
    expect(payments.calls).toEqual([]);
    expect(h.checkout.gateway.charges).toEqual([]);
    // A product id is looked up, and an unknown one is not echoed.
    const product = await call('get_product', { product_id: '4242424242424242' });
    expect(product.structuredContent?.error).toMatchObject({ code: 'not_found' });
    expect(JSON.stringify(product)).not.toMatch(/4242/);
  });

  it('an unknown tool named like a card number: the protocol error does not echo it', async () => {
    h = await connect();
    for (const name of ['4242424242424242', '4242 4242 4242 4242', '\uff14\uff12\uff14\uff12'.repeat(4)]) {
      const e = await h.client.callTool({ name, arguments: {} }).catch((x: unknown) => x);
      expect(e, name).toMatchObject({ message: expect.stringContaining('not found') });
      const text = `${(e as Error).message} ${JSON.stringify(e)}`;
      expect(text, name).not.toContain(name);
      expect(text, name).toContain('[card number removed]');
    }
  });

  it('binding payloads: core refuses with $.payload params; the session id is never echoed', async () => {
    h = await connect();
    const meta = () => ({ api_version: API_VERSION, idempotency_key: crypto.randomUUID() });
    const created = await h.client
      .callTool({
        name: 'create_checkout_session',
        arguments: {
          meta: meta(),
          payload: { currency: 'usd', line_items: [{ id: 'ebook_mcp' }], order_notes: PAN },
        },
      })
      .catch((e: unknown) => e);
    expect(created).toMatchObject({
      code: -32000,
      data: { code: 'invalid', param: '$.payload.order_notes' },
    });
    expect(JSON.stringify(created)).not.toMatch(/4242/);
    const missing = await h.client
      .callTool({ name: 'get_checkout_session', arguments: { meta: meta(), id: '4242424242424242' } })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: -32000, data: { code: 'session_not_found' } });
    expect(JSON.stringify(missing)).not.toMatch(/4242/);
    expect(h.checkout.store.stats().sessions).toBe(0);
  });
});

describe('log redaction (redactText / redact)', () => {
  it('masks card numbers in every form core detects, and nothing else', () => {
    for (const pan of [
      '4242\u00a04242\u00a04242\u00a04242',
      '4242  4242  4242  4242',
      '4242.4242.4242.4242',
      '4242_4242_4242_4242',
      '4242/4242/4242/4242',
      '4242 - 4242 - 4242 - 4242',
      '\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12',
      '\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662',
    ]) {
      expect(redactText(`card ${pan} declined`), JSON.stringify(pan)).toBe('card [REDACTED PAN] declined');
    }
    expect(redactText('at 2026-11-29 12:30:45 total 1,299.00 call +44 20 7946 0958')).toBe(
      'at 2026-11-29 12:30:45 total 1,299.00 call +44 20 7946 0958',
    );
    expect(redact({ note: 'pay with 5555.5555.5555.4444' })).toEqual({ note: 'pay with [REDACTED PAN]' });
  });

  it('masks Stripe secret keys whole, underscores after the prefix included', () => {
    const text = redactText(
      'keys sk_test_abc_def_0123456789 rk_live_51H_x_yZ0123456789 sk_live_abcdef123 whsec_ab_cd123',
    );
    expect(text).toBe('keys sk_test_[REDACTED] rk_live_[REDACTED] sk_live_[REDACTED] whsec_[REDACTED]');
    expect(text).not.toMatch(/def|yZ01|cd123/);
  });
});
