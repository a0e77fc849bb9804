// Card numbers never enter the engine: the detector (positive and negative controls), and the service's
// refusal of PAN-like values in every field of every request body, before anything is stored or sent.
import { describe, expect, it } from 'vitest';
import {
  type CheckoutSession,
  containsPan,
  findPanField,
  findPanLike,
  luhnValid,
  type PaymentGatewayV1,
  redactPans,
} from '../src/index.js';
import { createMemoryGateway, createTestCheckout, SAMPLE_ADDRESS } from '../src/testing/index.js';
import { ctx, paymentData } from './helpers.js';

const PAN = '4242424242424242';
const TYPED = '4242 4242 4242 4242 12/31 737';

describe('PAN detector', () => {
  it('implements Luhn', () => {
    expect(luhnValid(PAN)).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('42a2')).toBe(false);
  });

  it('finds card numbers anywhere: plain, grouped with spaces or dashes, embedded, followed by expiry', () => {
    for (const text of [
      PAN,
      TYPED,
      '5555-5555-5555-4444',
      'amex 378282246310005.',
      'unionpay 6200000000000005',
      'spt_4242424242424242',
      'my card is 4242 4242 4242 4242 exp 12 31',
      'x4242424242424242y',
      '4000 0025 0000 3155 12 31 6173',
      '3782 822463 10005', // Amex grouping 4-6-5
    ]) {
      expect(containsPan(text), text).toBe(true);
    }
  });

  it('ignores what is not a card: Luhn failures, timestamps, phone numbers, long digit runs, short numbers', () => {
    for (const text of [
      '4242424242424241',
      'created 1776000000000 ms', // epoch ms start with 1
      '42424242424242424242424', // a 23-digit run is not a card
      'amount 1999 tax 175 total 2174',
      '+44 20 7946 0958', // E.164 phone
      '+4242424242424', // 13-digit phone with +
      '2026-04-17T10:17:31.319Z',
      'spt_1RgaZcFPC5QUO6ZCDVZuVA8q',
      '550e8400-e29b-41d4-a716-446655440000',
      '',
    ]) {
      expect(containsPan(text), text).toBe(false);
    }
  });

  it('redacts every span and reports positions', () => {
    expect(redactPans(`pay ${TYPED} now`)).toBe('pay [card number removed] 12/31 737 now');
    expect(redactPans('no card here')).toBe('no card here');
    const [m] = findPanLike(`x ${PAN}`);
    expect(m).toEqual({ start: 2, end: 18, length: 16 });
  });

  it('names the first field holding one (values, numbers, keys), honouring skips, without the value', () => {
    expect(findPanField({ a: { b: ['ok', `note ${PAN}`] } })).toBe('$.a.b[1]');
    expect(findPanField({ n: 4242424242424242 }, { root: '$.payload' })).toBe('$.payload.n');
    expect(findPanField({ meta: { [PAN]: 'x' } })).toBe('$.meta');
    expect(findPanField({ 'odd key': PAN })).toBe("$['odd key']");
    expect(findPanField({ line_items: [{ id: PAN }] }, { skip: [['line_items', '*', 'id']] })).toBe(
      undefined,
    );
    expect(findPanField({ fine: 'text', list: [1, 2, 3] })).toBeUndefined();
    // deeply nested input cannot overflow the stack
    let deep: unknown = PAN;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(findPanField(deep)).toMatch(/^\$\[0\]/);
  });
});

const caps = { interventions: { supported: ['3ds'] } };
const base = { line_items: [{ id: 'ebook_mcp' }], currency: 'usd', capabilities: caps };

async function ready(t = createTestCheckout()) {
  const r = await t.service.createSession({ ...base, buyer: { email: 'ada@example.com' } }, ctx());
  return { t, id: (r.body as CheckoutSession).id };
}

describe('the service refuses card numbers in request fields', () => {
  it('complete: a card number typed as the credential token is refused before anything is stored or charged, without echo', async () => {
    const { t, id } = await ready();
    const before = t.store.stats();
    for (const [token, root] of [
      [TYPED, '$'],
      [`spt_${PAN}`, '$'],
      [PAN, '$.payload'],
    ] as const) {
      const r = await t.service.completeSession(
        id,
        { payment_data: paymentData(token) },
        ctx({ paramRoot: root }),
      );
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        type: 'invalid_request',
        code: 'invalid',
        param: `${root}.payment_data.instrument.credential.token`,
      });
      expect(JSON.stringify(r.body)).not.toMatch(/4242/);
    }
    expect(t.store.stats().attempts).toBe(before.attempts);
    expect(t.gateway.charges).toEqual([]);
    const s = await t.service.getSession(id, ctx());
    expect((s.body as CheckoutSession).status).toBe('ready_for_payment');
  });

  it('the gateway shape check runs before the attempt is stored: a refused credential never reaches the PSP', async () => {
    const memory = createMemoryGateway();
    const seen: string[] = [];
    const gateway: PaymentGatewayV1 = {
      ...memory,
      charge: memory.charge,
      validateCredential: ({ credential }) => {
        seen.push(credential.type);
        return credential.token.startsWith('spt_')
          ? { ok: true }
          : { ok: false, field: 'token', message: 'must be a Shared Payment Token (spt_…).' };
      },
    };
    const { t, id } = await ready(createTestCheckout({ gateway }));
    const r = await t.service.completeSession(id, { payment_data: paymentData('tok_visa') }, ctx());
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ param: '$.payment_data.instrument.credential.token' });
    expect(JSON.stringify(r.body)).not.toContain('tok_visa');
    expect(t.store.stats().attempts).toBe(0);
    expect(memory.charges).toEqual([]);
    const ok = await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    expect((ok.body as CheckoutSession).status).toBe('completed');
    expect(seen).toEqual(['spt', 'spt']);
  });

  it('free-text fields of create, update, complete and cancel: typed error naming the field, nothing stored', async () => {
    const { t, id } = await ready();
    const cases: [string, () => Promise<{ status: number; body: unknown }>, string][] = [
      [
        'create buyer.first_name',
        () =>
          t.service.createSession({ ...base, buyer: { email: 'a@b.co', first_name: `Ada ${PAN}` } }, ctx()),
        '$.buyer.first_name',
      ],
      [
        'create metadata',
        () => t.service.createSession({ ...base, metadata: { note: TYPED } }, ctx()),
        '$.metadata.note',
      ],
      [
        'update address',
        () =>
          t.service.updateSession(
            id,
            {
              fulfillment_details: {
                name: 'Ada',
                address: { ...SAMPLE_ADDRESS, line_two: `card ${TYPED}` },
              },
            },
            ctx(),
          ),
        '$.fulfillment_details.address.line_two',
      ],
      [
        'update order_notes (MCP root)',
        () =>
          t.service.updateSession(id, { order_notes: `pay with ${TYPED}` }, ctx({ paramRoot: '$.payload' })),
        '$.payload.order_notes',
      ],
      [
        'complete billing address',
        () =>
          t.service.completeSession(
            id,
            { payment_data: { ...paymentData(), billing_address: { ...SAMPLE_ADDRESS, line_one: PAN } } },
            ctx(),
          ),
        '$.payment_data.billing_address.line_one',
      ],
      [
        'cancel intent trace',
        () =>
          t.service.cancelSession(
            id,
            { intent_trace: { reason_code: 'other', trace_summary: `card ${PAN}` } },
            ctx(),
          ),
        '$.intent_trace.trace_summary',
      ],
      ['unknown field name', () => t.service.updateSession(id, { [PAN]: 'x' }, ctx()), '$'],
    ];
    const before = JSON.stringify(await t.store.listSessions({}));
    for (const [name, run, param] of cases) {
      const r = await run();
      expect(r.status, name).toBe(400);
      expect(r.body, name).toMatchObject({ type: 'invalid_request', code: 'invalid', param });
      expect(JSON.stringify(r.body), name).not.toMatch(/4242/);
    }
    expect(JSON.stringify(await t.store.listSessions({}))).toBe(before);
  });

  it('a session id that reads as a card number is unknown: 404 without echo, and no idempotency record holds it', async () => {
    const t = createTestCheckout();
    for (const run of [
      () => t.service.updateSession(PAN, { order_notes: 'x' }, ctx()),
      () => t.service.completeSession(PAN, { payment_data: paymentData() }, ctx()),
      () => t.service.cancelSession(TYPED, {}, ctx()),
    ]) {
      const r = await run();
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'session_not_found', param: '$.id' });
      expect(JSON.stringify(r.body)).not.toMatch(/4242/);
    }
    expect(t.store.stats().idempotencyRecords).toBe(0);
  });

  it('core never issues a session id that reads as a card number', async () => {
    const issued = [PAN, `cs_${PAN}`, 'cs_ok_1'];
    const t = createTestCheckout({
      ids: { sessionId: () => issued.shift() ?? 'cs_ok_2', orderId: () => 'ord_1' },
    });
    const r = await t.service.createSession({ ...base, buyer: { email: 'ada@example.com' } }, ctx());
    expect((r.body as CheckoutSession).id).toBe('cs_ok_1');
  });

  it('a catalog id that reads as a card number is looked up, not refused, and never echoed when unknown', async () => {
    const t = createTestCheckout();
    const r = await t.service.createSession({ ...base, line_items: [{ id: PAN }] }, ctx());
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_item_id', param: '$.line_items[0].id' });
    expect(JSON.stringify(r.body)).not.toContain(PAN);
    const missing = await t.service.getSession(PAN, ctx());
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toContain(PAN);
  });
});
