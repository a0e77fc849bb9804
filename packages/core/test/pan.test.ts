// Card numbers never enter the engine: the detector (positive and negative controls), and the service's
// refusal of PAN-like values in every field of every request body, before anything is stored or sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CheckoutSession,
  containsPan,
  findPanField,
  findPanLike,
  luhnValid,
  type PaymentGatewayV1,
  redactPans,
  sha256Hex,
} from '../src/index.js';
import {
  createMemoryGateway,
  createMemoryStore,
  createTestCheckout,
  type MemoryStore,
  SAMPLE_ADDRESS,
} from '../src/testing/index.js';
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

  it('finds a card number however it was typed or pasted: Unicode spaces, doubled or other separators, other digits', () => {
    for (const text of [
      '4242\u00a04242\u00a04242\u00a04242', // no-break spaces (pasted from a web page or PDF)
      '4242\u202f4242\u20074242\u30004242', // narrow no-break, figure and ideographic spaces
      '4242  4242  4242  4242',
      '4242\t4242\n4242\r\n4242',
      '4242.4242.4242.4242',
      '4242_4242_4242_4242',
      '4242/4242/4242/4242',
      '4242\\4242\\4242\\4242',
      '4242|4242|4242|4242',
      '4242,4242,4242,4242',
      '4242*4242*4242*4242',
      '4242 - 4242 - 4242 - 4242',
      '4242 / 4242 / 4242 / 4242',
      '4242\u20134242\u20134242\u20134242', // en dashes (word processors)
      '4242 4242-4242 4242', // whitespace mixes with one kind of punctuation
      '\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12', // full-width (CJK IME)
      '\uff14\uff12\uff14\uff12\uff0d\uff14\uff12\uff14\uff12\uff0d\uff14\uff12\uff14\uff12\uff0d\uff14\uff12\uff14\uff12', // full-width dashes
      '\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662', // Arabic-Indic digits
      '\u096a\u0968\u096a\u0968 \u096a\u0968\u096a\u0968 \u096a\u0968\u096a\u0968 \u096a\u0968\u096a\u0968', // Devanagari digits
      '\u{1d7d2}\u{1d7d0}'.repeat(8), // mathematical bold digits (astral)
      '4242\u200b4242\u00ad4242\u20604242', // zero-width space, soft hyphen, word joiner
      'spt_4242_4242_4242_4242',
      'name: \u2463\u2461\u2463\u2461 4242 4242 4242', // circled digits
    ]) {
      expect(containsPan(text), JSON.stringify(text)).toBe(true);
    }
  });

  it('offsets refer to the original string, so redaction cuts exactly the number however it was folded', () => {
    const fullWidth = '\uff14\uff12\uff14\uff12 '.repeat(4).trim();
    expect(redactPans(`pay ${fullWidth} now`)).toBe('pay [card number removed] now');
    const astral = '\u{1d7d2}\u{1d7d0}'.repeat(8);
    expect(findPanLike(`x ${astral}!`)).toEqual([{ start: 2, end: 2 + astral.length, length: 16 }]);
    expect(redactPans(`x ${astral}!`)).toBe('x [card number removed]!');
    expect(redactPans('a 4242\u200b4242\u200b4242\u200b4242 b')).toBe('a [card number removed] b');
    expect(redactPans('\u00e9t\u00e9 4242\u00a04242\u00a04242\u00a04242 caf\u00e9')).toBe(
      '\u00e9t\u00e9 [card number removed] caf\u00e9',
    );
  });

  it('ordinary values are not cards: timestamps, prices, phone numbers, postal codes, lists, coordinates', () => {
    for (const text of [
      '2026-11-29 12:30:45',
      '2026-11-29T12:30:45.123456+01:00',
      '2026-11-29T12:30:45Z',
      'Sun, 29 Nov 2026 12:30:45 GMT',
      '29.11.2026 12:30',
      '11/29/2026, 12:30:45 PM',
      '1,299.00',
      '$1,299,000.00',
      'USD 1,299.00, 2,499.00 and 3,999.00',
      '1.299,00 \u20ac',
      '(415) 555-2671',
      '415-555-2671',
      '415.555.2671',
      '415-555-2671, 415-555-2672',
      '1-800-555-0199',
      '+1 415 555 2671',
      '+44 20 7946 0958',
      '+33 1 42 68 53 00',
      '+49 30 12345678',
      '+81-3-1234-5678',
      '94105-1234',
      'SW1A 1AA',
      '100-0001',
      '75008 Paris',
      '52.520008, 13.404954',
      'sizes 36, 37, 38, 39, 40, 41, 42',
      '1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13',
      'v1.2.3',
      '192.168.100.200',
      'order ord_01JDX7Y2M8 at 12:30:45.123',
    ]) {
      expect(containsPan(text), text).toBe(false);
    }
  });

  it('timestamps in any common format and E.164 phone numbers written with any separators are never cards', () => {
    const instant = fc
      .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) })
      .map((t) => new Date(t));
    fc.assert(
      fc.property(instant, (d) => {
        const iso = d.toISOString();
        for (const text of [
          iso,
          iso.replace('T', ' '),
          iso.slice(0, 19),
          d.toUTCString(),
          `${iso.slice(0, 10)} ${iso.slice(11, 19)}`,
        ])
          expect(containsPan(text), text).toBe(false);
      }),
      { numRuns: 300, seed: 42 },
    );
    const phone = fc.record({
      digits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 15 }),
      cut: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
      sep: fc.constantFrom(' ', '-', '.', ' - ', '\u00a0'),
    });
    fc.assert(
      fc.property(phone, ({ digits, cut, sep }) => {
        const groups: string[] = [];
        let rest = digits.map(String).join('');
        for (const n of cut) {
          if (rest.length <= n) break;
          groups.push(rest.slice(0, n));
          rest = rest.slice(n);
        }
        groups.push(rest);
        const text = `+${groups.join(sep)}`;
        expect(containsPan(text), text).toBe(false);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('machine identifiers are not cards: random UUIDs and hex digests never match, a card beside one still does', () => {
    // Before UUIDs and hex digests were blanked, about 1 in 220 random UUIDs read as a card
    // ("…-a716-446655440000"), so 1 request in 220 carrying one in any field was refused.
    fc.assert(
      fc.property(fc.uuid(), fc.boolean(), (uuid, upper) => {
        const id = upper ? uuid.toUpperCase() : uuid;
        expect(findPanLike(id)).toEqual([]);
        expect(findPanLike(`trace ${id}, attempt 2`)).toEqual([]);
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 32 }), (bytes) => {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        fc.pre(/[a-f]/.test(hex));
        expect(findPanLike(hex)).toEqual([]);
      }),
      { numRuns: 5_000 },
    );
    const text = 'ref 550e8400-e29b-41d4-a716-446655440000 card 4242 4242 4242 4242';
    const spans = findPanLike(text);
    expect(spans).toContainEqual({ start: 46, end: 65, length: 16 });
    expect(spans.every((m) => m.start >= 46)).toBe(true);
    expect(redactPans(text, '[x]')).toBe('ref 550e8400-e29b-41d4-a716-446655440000 card [x]');
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

describe('idempotency keys are stored as a digest', () => {
  /** A real memory store, with everything the service hands to it written down as JSON. */
  function observedStore(): { store: MemoryStore; seen: string[] } {
    const inner = createMemoryStore();
    const seen: string[] = [];
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          seen.push(JSON.stringify(args));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { store, seen };
  }

  it('a card number as the Idempotency-Key is accepted, never handed to the store, and a retry still replays', async () => {
    for (const key of ['4242-4242-4242-4242', '4242\u00a04242\u00a04242\u00a04242']) {
      const { store, seen } = observedStore();
      const t = createTestCheckout({ store });
      const first = await t.service.createSession(
        { ...base, buyer: { email: 'ada@example.com' } },
        ctx({ idempotencyKey: key }),
      );
      expect(first.status).toBe(201);
      const id = (first.body as CheckoutSession).id;
      const done = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: key }),
      );
      expect((done.body as CheckoutSession).status).toBe('completed');
      const again = await t.service.createSession(
        { ...base, buyer: { email: 'ada@example.com' } },
        ctx({ idempotencyKey: key }),
      );
      expect(again.replayed).toBe(true);
      expect(again.body).toEqual(first.body);
      const replayedComplete = await t.service.completeSession(
        id,
        { payment_data: paymentData() },
        ctx({ idempotencyKey: key }),
      );
      expect(replayedComplete.replayed).toBe(true);
      expect(t.gateway.charges).toHaveLength(1);
      const everything = seen.join('\n');
      expect(everything).toContain(sha256Hex(key));
      expect(everything).not.toContain(JSON.stringify(key).slice(1, -1));
      expect(containsPan(everything)).toBe(false);
    }
  });
});
