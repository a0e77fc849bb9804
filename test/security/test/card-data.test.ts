// After purchases with raw TEST card numbers (emulator allowRawCards + createStripeTestPayments allowRawCards
// + a test key), and after a card number was put in turn into EVERY string field of every REST body, MCP
// binding payload and shopper-tool argument, nothing the merchant side captured holds a card number or a
// CVC: raw (unredacted) logs of every package, console/stderr, every HTTP response and tool result, error
// texts, the SQLite database file bytes (with its WAL), PostgreSQL rows (when a server answers) and the
// emulator's request log (paths and bodies: what Stripe would receive) and events.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { requireService } from '@acp/test-env';
import type { Client } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Capture, createCapture, describeValue } from '../src/capture.js';
import { rawRequest } from '../src/http.js';
import { luhnValid, scanForCardData } from '../src/pan.js';
import { jsonPathOf, PAN_FORM_NUMBERS, PAN_FORMS, setAt, stringPaths } from '../src/pan-fields.js';
import {
  BUYER,
  CAPS,
  idempotencyKey,
  restHeaders,
  restPost,
  VALID_CANCEL,
  VALID_CREATE,
  VALID_UPDATE,
  validComplete,
} from '../src/requests.js';
import { AGENT_KEY, API_VERSION, type Stack, startStack } from '../src/stack.js';

const PG_URL = process.env.ACP_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
const pgUp = await postgresReachable();
requireService(
  `PostgreSQL at ${PG_URL}`,
  pgUp ? undefined : 'unreachable',
  'Start PostgreSQL or set ACP_TEST_POSTGRES_URL.',
);

/** Test cards (Stripe's test table) with CVCs chosen not to collide with amounts, years or ids. */
const CARDS = [
  { number: '4242 4242 4242 4242', cvc: '7319', expect: 'paid' },
  { number: '5555-5555-5555-4444', cvc: '8642', expect: 'paid' },
  { number: '378282246310005', cvc: '9051', expect: 'paid' },
  { number: '4000 0025 0000 3155', cvc: '6173', expect: '3ds' },
  { number: '4000000000000002', cvc: '5928', expect: 'declined' },
  { number: '4000000000009995', cvc: '4736', expect: 'declined' },
  { number: '4242424242424241', cvc: '3817', expect: 'refused' },
] as const;
const USED = {
  numbers: [...CARDS.map((c) => c.number), ...PAN_FORM_NUMBERS],
  cvcs: CARDS.map((c) => c.cvc),
};

const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
});

interface Outcome {
  tokens: number;
  orders: number;
  declined: number;
  refused: number;
  authentication: number;
}

/** Purchases with every card through MCP (collect_payment_info → complete_checkout_session), plus bad input. */
async function purchaseWithRawCards(stack: Stack, capture: Capture): Promise<Outcome> {
  const client: Client = await stack.mcp();
  const call = async (name: string, args: Record<string, unknown>) => {
    try {
      const r = await client.callTool({ name, arguments: args });
      capture.record(`tool.${name}`, r);
      return r as { isError?: boolean; structuredContent?: Record<string, unknown> };
    } catch (e) {
      capture.record(`tool.${name}.error`, e);
      return { isError: true, structuredContent: { thrown: describeValue(e) } };
    }
  };
  const out: Outcome = { tokens: 0, orders: 0, declined: 0, refused: 0, authentication: 0 };
  for (const card of CARDS) {
    const session = await restPost(stack, '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook_mcp' }],
      capabilities: CAPS,
      buyer: BUYER,
    });
    capture.record('http.create', session);
    const id = session.id as string;
    const collected = await call('collect_payment_info', {
      sessionId: id,
      cardNumber: card.number.replace(/-/g, ' '),
      expMonth: 12,
      expYear: 2031,
      cvc: card.cvc,
    });
    if (collected.isError) {
      out.refused++;
      continue;
    }
    out.tokens++;
    const paymentData = collected.structuredContent!.payment_data;
    const completed = await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: idempotencyKey() },
      id,
      payload: { payment_data: paymentData },
    });
    const status = (completed as { status?: string }).status ?? completed.structuredContent?.status;
    if (status === 'completed') out.orders++;
    else if (status === 'authentication_required') out.authentication++;
    else out.declined++;
    const got = await rawRequest(`${stack.url}/checkout_sessions/${id}`, { headers: restHeaders() });
    capture.record('http.get', got);
  }
  // Bad input around card data: every refusal must name the field and rule, never echo the value.
  const session = await restPost(stack, '/checkout_sessions', {
    currency: 'usd',
    line_items: [{ id: 'ebook_mcp' }],
    capabilities: CAPS,
    buyer: BUYER,
  });
  const id = session.id as string;
  const card = { cardNumber: '4242 4242 4242 4242', expMonth: 12, expYear: 2031, cvc: '7319' };
  for (const args of [
    { sessionId: id, ...card, expMonth: 13 },
    { sessionId: id, ...card, expYear: 1999 },
    { sessionId: id, ...card, cvc: '73190' },
    { sessionId: id, ...card, cardNumber: '4242-4242-4242-4242' },
    { sessionId: id, ...card, paymentMethodId: 'pm_card_visa' },
    { sessionId: id, cardNumber: card.cardNumber, cvc: card.cvc },
    { sessionId: 'cs_missing', ...card },
    { sessionId: id, ...card, card_number: '5555555555554444' },
  ]) {
    await call('collect_payment_info', args);
  }
  // A malformed JSON-RPC body carrying card data, and REST bodies carrying card fields.
  const broken = `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"collect_payment_info","arguments":{"sessionId":"${id}","cardNumber":"4242424242424242","cvc":"7319"`;
  capture.record(
    'http.mcp.malformed',
    await rawRequest(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${AGENT_KEY}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: broken,
    }),
  );
  for (const body of [
    `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","number":"4242424242424242","cvc":"7319"}}}`,
    `{"payment_data":{"handler_id":"card_tokenized","instrument":{"type":"card","credential":{"type":"card","number":"5555555555554444","cvc":"8642"}}}}`,
    `{"payment_data":{"card":"4242424242424242"`,
  ]) {
    capture.record(
      'http.complete',
      await rawRequest(`${stack.url}/checkout_sessions/${id}/complete`, {
        method: 'POST',
        headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
        body,
      }),
    );
  }
  await stack.emulator.webhooks.idle();
  return out;
}

/**
 * What Stripe received and sent. The one request meant to carry a raw TEST card is POST /v1/payment_methods
 * (test mode, raw cards enabled): its body is left out of the scan, its path is not. Every other path and
 * body (token retrieves, PaymentIntents, Checkout Sessions, …) is scanned.
 */
function emulatorTexts(stack: Stack): { source: string; text: string }[] {
  const requests = stack.emulator.requests.map((r) =>
    r.method === 'POST' && r.path === '/v1/payment_methods' ? { ...r, body: '[raw test card]' } : r,
  );
  return [
    { source: 'emulator.events', text: describeValue(stack.emulator.events()) },
    { source: 'emulator.requests', text: describeValue(requests) },
    { source: 'emulator.paymentIntents', text: describeValue(stack.emulator.paymentIntents()) },
  ];
}

interface Injection {
  requests: number;
  refusedNamingField: number;
  problems: string[];
}

/** Request fields that name catalog items: looked up (an unknown one is refused without echo), not refused up front. */
const LOOKUPS = [
  /^\$(\.payload)?\.line_items\[\d+\]\.id$/,
  /\.selected_fulfillment_options\[\d+\]\.item_ids\[\d+\]$/,
  /^\$\.product_id$/,
];
const isLookup = (param: string) => LOOKUPS.some((re) => re.test(param));

/**
 * A card number in turn in every string field of every REST body (create, update, complete, cancel), every
 * MCP binding payload, the binding's session id, and every shopper-tool argument. Each must be refused with
 * a typed error whose `param` names that field (lookups: refused as unknown, without echo), and nothing may
 * be stored or sent anywhere (the scans afterwards).
 */
async function injectPansEverywhere(stack: Stack, capture: Capture): Promise<Injection> {
  const out: Injection = { requests: 0, refusedNamingField: 0, problems: [] };
  let n = 0;
  const pan = () => PAN_FORMS[n++ % PAN_FORMS.length]!;
  const readySession = async () => {
    const s = await restPost(stack, '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook_mcp' }],
      capabilities: CAPS,
      buyer: BUYER,
    });
    return s.id as string;
  };
  const id = await readySession();
  const check = (where: string, param: string, status: number, body: unknown) => {
    out.requests++;
    const error = body as { code?: string; param?: string } | undefined;
    if (error?.param === param && status >= 400) out.refusedNamingField++;
    else if (!isLookup(param))
      out.problems.push(`${where} ${param}: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  };

  // ---- REST bodies
  const createBody = { ...VALID_CREATE, order_notes: 'Leave at the door', metadata: { campaign: 'spring' } };
  const updateBody = { ...VALID_UPDATE, order_notes: 'Ring twice' };
  const completeBody = { ...validComplete('spt_template0001'), order_notes: 'Gift wrap' };
  const rest: [string, string, unknown][] = [
    ['create', '/checkout_sessions', createBody],
    ['update', `/checkout_sessions/${id}`, updateBody],
    ['complete', `/checkout_sessions/${id}/complete`, completeBody],
    ['cancel', `/checkout_sessions/${id}/cancel`, VALID_CANCEL],
  ];
  for (const [name, path, template] of rest) {
    for (const field of stringPaths(template)) {
      const res = await rawRequest(`${stack.url}${path}`, {
        method: 'POST',
        headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
        body: JSON.stringify(setAt(template, field, pan())),
      });
      capture.record(`http.${name}.pan`, res);
      check(`REST ${name}`, jsonPathOf(field), res.status, JSON.parse(res.text));
    }
  }
  // A card number as the REST path id: never echoed.
  const byPath = await rawRequest(`${stack.url}/checkout_sessions/${encodeURIComponent(pan())}`, {
    headers: restHeaders(),
  });
  capture.record('http.get.pan', byPath);

  // ---- MCP: binding payloads (root $.payload), the binding id, shopper-tool arguments (root $)
  const client: Client = await stack.mcp();
  const tool = async (name: string, args: Record<string, unknown>) => {
    try {
      const r = await client.callTool({ name, arguments: args });
      capture.record(`tool.${name}.pan`, r);
      const error = (r as { structuredContent?: { error?: unknown } }).structuredContent?.error;
      return { status: (r as { isError?: boolean }).isError ? 400 : 200, body: error ?? r };
    } catch (e) {
      capture.record(`tool.${name}.pan.error`, e);
      return { status: 400, body: (e as { data?: unknown }).data };
    }
  };
  const meta = () => ({ api_version: API_VERSION, idempotency_key: idempotencyKey() });
  const binding: [string, Record<string, unknown>, unknown][] = [
    ['create_checkout_session', {}, createBody],
    ['update_checkout_session', { id }, updateBody],
    ['complete_checkout_session', { id }, completeBody],
    ['cancel_checkout_session', { id }, VALID_CANCEL],
  ];
  for (const [name, extra, payload] of binding) {
    for (const field of stringPaths(payload)) {
      const r = await tool(name, { meta: meta(), ...extra, payload: setAt(payload, field, pan()) });
      check(`MCP ${name}`, jsonPathOf(field, '$.payload'), r.status, r.body);
    }
  }
  for (const name of ['get_checkout_session', 'update_checkout_session', 'cancel_checkout_session']) {
    await tool(name, { meta: meta(), id: pan(), payload: {} });
  }
  const shopper: [string, Record<string, unknown>][] = [
    ['search_products', { query: 'mug', category: 'kitchen', cursor: 'c1' }],
    ['get_product', { product_id: 'mug_classic' }],
    ['create_payment_link', { checkout_session_id: id }],
    ['get_order', { order_id: 'ord_missing' }],
    ['get_order', { checkout_session_id: id }],
    ['collect_payment_info', { sessionId: id, paymentMethodId: 'pm_card_visa' }],
    [
      'complete_checkout',
      {
        checkout_session_id: id,
        buyer: {
          email: 'ada@example.com',
          first_name: 'Ada',
          last_name: 'L',
          full_name: 'Ada L',
          phone_number: '+14155550100',
        },
        payment_data: { token: 'spt_template0001', provider: 'stripe', billing_address: BUYER_ADDRESS },
      },
    ],
  ];
  for (const [name, args] of shopper) {
    for (const field of stringPaths(args)) {
      const r = await tool(name, setAt(args, field, pan()));
      check(`tool ${name}`, jsonPathOf(field), r.status, r.body);
    }
  }
  await stack.emulator.webhooks.idle();
  return out;
}

const BUYER_ADDRESS = {
  name: 'Ada Lovelace',
  line_one: '1 Analytical Way',
  city: 'San Francisco',
  state: 'CA',
  country: 'US',
  postal_code: '94131',
};

function expectInjectionRefused(inj: Injection): void {
  expect(inj.problems).toEqual([]);
  // Every field of every body and argument was tried (about 90 requests), almost all refused by name.
  expect(inj.requests).toBeGreaterThanOrEqual(80);
  expect(inj.refusedNamingField).toBeGreaterThanOrEqual(inj.requests - 8);
}

function expectMeaningful(out: Outcome): void {
  // The run really used raw cards end to end, so a clean scan means something.
  expect(out.tokens).toBeGreaterThanOrEqual(5);
  expect(out.orders).toBeGreaterThanOrEqual(3);
  expect(out.declined).toBeGreaterThanOrEqual(1);
  expect(out.refused).toBeGreaterThanOrEqual(1);
}

describe('no card data anywhere after a run with raw test cards', () => {
  it('SQLite: logs, console, responses, tool results, errors, emulator echoes and the database file bytes', async () => {
    const capture = createCapture();
    capture.captureConsole();
    let out: Outcome;
    let injection: Injection;
    let stack: Stack;
    try {
      stack = await startStack({ allowRawCards: true, capture });
      stacks.push(stack);
      out = await purchaseWithRawCards(stack, capture);
      injection = await injectPansEverywhere(stack, capture);
    } finally {
      capture.restore();
    }
    expectMeaningful(out);
    expectInjectionRefused(injection);
    const texts = [...capture.texts(), ...emulatorTexts(stack)];
    stack.sqlite!.database.pragma('wal_checkpoint(PASSIVE)');
    for (const suffix of ['', '-wal', '-shm', '-journal']) {
      const file = `${stack.sqliteFile!}${suffix}`;
      if (existsSync(file)) {
        const bytes = readFileSync(file);
        texts.push({ source: `sqlite${suffix || '.db'}`, text: bytes.toString('latin1') });
        // UTF-8 too: a full-width or no-break-space card number is multi-byte text in the file.
        texts.push({ source: `sqlite${suffix || '.db'}.utf8`, text: bytes.toString('utf8') });
      }
    }
    const dbBytes = texts.filter((t) => t.source.startsWith('sqlite')).reduce((n, t) => n + t.text.length, 0);
    expect(dbBytes).toBeGreaterThan(0);
    // Orders really are in the file we scan.
    expect(texts.find((t) => t.source === 'sqlite.db' || t.source === 'sqlite-wal')?.text).toMatch(/ord_/);
    expect(capture.logCounts.warn + capture.logCounts.error + capture.logCounts.info).toBeGreaterThan(0);
    expect(scanForCardData(texts, USED)).toEqual([]);
  });

  it.skipIf(!pgUp)('PostgreSQL: every row of every table, plus logs and responses', async () => {
    const capture = createCapture();
    const stack = await startStack({ allowRawCards: true, capture, store: 'postgres', pgUrl: PG_URL });
    stacks.push(stack);
    const out = await purchaseWithRawCards(stack, capture);
    const injection = await injectPansEverywhere(stack, capture);
    expectMeaningful(out);
    expectInjectionRefused(injection);
    const pool = stack.postgres!.pool;
    const tables = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [stack.postgres!.schema],
    );
    expect(tables.rows.length).toBeGreaterThanOrEqual(4);
    const texts = [...capture.texts(), ...emulatorTexts(stack)];
    for (const { table_name } of tables.rows) {
      const rows = await pool.query<{ t: string }>(
        `SELECT row_to_json(x)::text AS t FROM "${stack.postgres!.schema}"."${table_name}" x`,
      );
      texts.push({ source: `postgres.${table_name}`, text: rows.rows.map((r) => r.t).join('\n') });
    }
    expect(texts.find((t) => t.source.endsWith('orders'))?.text).toMatch(/ord_/);
    expect(scanForCardData(texts, USED)).toEqual([]);
  });
});

// ---- Card numbers in the forms people type or paste, in tokens, headers and paths (review findings).

describe('card numbers however typed or pasted, in tokens, headers and paths: refused or redacted, never stored', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ webhooks: false });
    stacks.push(stack);
  });

  /** SQLite main file + WAL as UTF-8 text (what a backup or a stolen disk holds). */
  function dbBytes(): string {
    let out = '';
    for (const f of [stack.sqliteFile!, `${stack.sqliteFile!}-wal`]) {
      if (existsSync(f)) out += readFileSync(f).toString('utf8');
    }
    return out;
  }

  const PAN = '4242424242424242';
  /** The same test PAN as people type or paste it. */
  const VARIANTS: Record<string, string> = {
    'no-break spaces (pasted from a web page/PDF)': '4242\u00a04242\u00a04242\u00a04242',
    'double spaces': '4242  4242  4242  4242',
    dots: '4242.4242.4242.4242',
    underscores: '4242_4242_4242_4242',
    slashes: '4242/4242/4242/4242',
    'full-width digits (CJK IME)':
      '\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12',
    'dash with spaces': '4242 - 4242 - 4242 - 4242',
    'Arabic-Indic digits':
      '\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662',
    'zero-width spaces': '4242\u200b4242\u200b4242\u200b4242',
  };

  for (const [label, value] of Object.entries(VARIANTS)) {
    it(`refuses a card number written with ${label} in buyer.first_name (not stored)`, async () => {
      const res = await rawRequest(`${stack.url}/checkout_sessions`, {
        method: 'POST',
        headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
        body: JSON.stringify({
          currency: 'usd',
          line_items: [{ id: 'ebook_mcp' }],
          capabilities: CAPS,
          buyer: { email: 'ada@example.com', first_name: value, last_name: 'Lovelace' },
        }),
      });
      const stored = dbBytes().includes(value);
      expect({ status: res.status, stored }).toEqual({ status: 400, stored: false });
      expect(JSON.parse(res.text)).toMatchObject({ code: 'invalid', param: '$.buyer.first_name' });
      expect(res.text).not.toContain(value);
    });
  }

  it('ordinary values with digits and separators are accepted (timestamps, prices, phone numbers, postal codes)', async () => {
    const res = await rawRequest(`${stack.url}/checkout_sessions`, {
      method: 'POST',
      headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
      body: JSON.stringify({
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        capabilities: CAPS,
        buyer: {
          email: 'ada@example.com',
          first_name: 'Ada',
          last_name: 'Lovelace',
          phone_number: '+14155552671',
        },
        metadata: {
          at: '2026-11-29 12:30:45',
          iso: '2026-11-29T12:30:45.123+01:00',
          price: '1,299.00',
          phone: '+44 20 7946 0958',
          us_phone: '(415) 555-2671',
          postal: '94105-1234',
          coords: '52.520008, 13.404954',
        },
      }),
    });
    expect(res.status).toBe(201);
  });

  it('a PAN in spt_ form with underscores is neither stored in an attempt nor sent to Stripe in a URL path', async () => {
    const created = await restPost(stack, '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook_mcp' }],
      capabilities: CAPS,
      buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
    });
    const id = created.id as string;
    expect(created.status).toBe('ready_for_payment');
    const token = 'spt_4242_4242_4242_4242';
    const res = await rawRequest(`${stack.url}/checkout_sessions/${id}/complete`, {
      method: 'POST',
      headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
      body: JSON.stringify(validComplete(token)),
    });
    const sentToStripe = stack.emulator.requests.filter((r) => r.path.includes(token)).map((r) => r.path);
    expect({
      status: res.status,
      sentToStripe,
      stored: dbBytes().includes(token),
    }).toEqual({ status: 400, sentToStripe: [], stored: false });
    expect(JSON.parse(res.text)).toMatchObject({ param: '$.payment_data.instrument.credential.token' });
    expect(res.text).not.toContain('4242');
  });

  it('a card number in the Idempotency-Key header is neither stored in the database nor echoed; a retry still replays', async () => {
    const key = `4242-4242-4242-4242`;
    const send = () =>
      rawRequest(`${stack.url}/checkout_sessions`, {
        method: 'POST',
        headers: restHeaders({ 'idempotency-key': key }),
        body: JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS }),
      });
    const res = await send();
    expect(res.status).toBe(201);
    // Stored only as a digest: never the number itself.
    expect({
      echoed: String(res.headers['idempotency-key'] ?? '').includes(key),
      stored: dbBytes().includes(key),
    }).toEqual({
      echoed: false,
      stored: false,
    });
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(again.text).id).toBe(JSON.parse(res.text).id);
  });

  // ---- Review 2: the idempotency-key digest, false positives, and more typed forms.

  function create(extra: Record<string, unknown>, headers: Record<string, string> = {}) {
    return rawRequest(`${stack.url}/checkout_sessions`, {
      method: 'POST',
      headers: restHeaders({ 'idempotency-key': idempotencyKey(), ...headers }),
      body: JSON.stringify({
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        capabilities: CAPS,
        ...extra,
      }),
    });
  }

  it('a card number sent as the Idempotency-Key cannot be recovered from the stored digest by enumerating its middle digits', async () => {
    const pan = '4000056655665556'; // Stripe's Visa debit test card
    const res = await create({}, { 'idempotency-key': pan });
    expect(res.status).toBe(201);
    const bytes = dbBytes();
    expect(bytes).not.toContain(pan);
    // What a stolen backup holds: 64-hex digests. An attacker who knows the BIN (first 6) and last 4 (printed on
    // receipts, shown as "last4" everywhere) enumerates the 6 middle digits: 10^6 SHA-256s, about one second.
    const digests = new Set(bytes.match(/[0-9a-f]{64}/g) ?? []);
    expect(digests.size).toBeGreaterThan(0);
    const bin = pan.slice(0, 6);
    const last4 = pan.slice(12);
    let recovered: string | undefined;
    for (let m = 0; m < 1_000_000 && !recovered; m++) {
      const candidate = `${bin}${String(m).padStart(6, '0')}${last4}`;
      if (!luhnValid(candidate)) continue;
      if (digests.has(createHash('sha256').update(candidate).digest('hex'))) recovered = candidate;
    }
    expect(recovered, 'the PAN was recovered from the stored digest').toBeUndefined();
  }, 60_000);

  // Each of these is a real-world format a buyer or an agent platform sends; none is a card number.
  const ORDINARY: Record<string, Record<string, unknown>> = {
    'Belgian IBAN (the standard example) in order_notes': {
      order_notes: 'Refunds to IBAN BE68 5390 0754 7034 please',
    },
    'EAN-13 barcode (GS1 example) in metadata': { metadata: { gtin: '5901234123457' } },
    'Amazon-style order reference in metadata': { metadata: { marketplace_order: '112-3456789-1234567' } },
    'compact timestamp (yyyyMMddHHmmss) as affiliate sub_id': {
      affiliate_attribution: { provider: 'impact', publisher_id: 'pub_1', sub_id: '20260417123045' },
    },
    'USPS tracking number in order_notes': { order_notes: 'Previous parcel: 9400 1118 9922 3397 8465 31' },
  };
  for (const [label, extra] of Object.entries(ORDINARY)) {
    it(`accepts a ${label}`, async () => {
      const res = await create(extra);
      expect(res.status, res.text).toBe(201);
    });
  }

  const PLAUSIBLE: Record<string, string> = {
    // A note wrapped by the client, second line indented (pasted from an email or a form): 5+ whitespace.
    'a line break with indentation': 'Card: 4242 4242\n      4242 4242 exp 12/31',
    // Fixed-width/PDF copies put 4+ spaces between groups.
    'four spaces between groups (copied from a PDF statement)': '4242    4242    4242    4242',
    // Word processors and some keyboards produce U+2212 MINUS SIGN or U+2022/U+00B7 bullets between groups.
    'U+2212 minus signs': '4242\u22124242\u22124242\u22124242',
    'middle dots': '4242\u00b74242\u00b74242\u00b74242',
    bullets: '4242\u20224242\u20224242\u20224242',
    // URL form encoding writes a space as "+" (an agent that form-encodes the note).
    'form-encoded spaces (+)': '4242+4242+4242+4242',
  };
  for (const [label, value] of Object.entries(PLAUSIBLE)) {
    it(`refuses a card number written with ${label} in order_notes (not stored)`, async () => {
      const res = await create({ order_notes: value });
      const db = dbBytes();
      const stored = db.includes(value) || db.includes(JSON.stringify(value).slice(1, -1));
      expect({ status: res.status, stored }).toEqual({ status: 400, stored: false });
      expect(JSON.parse(res.text)).toMatchObject({ code: 'invalid', param: '$.order_notes' });
    });
  }

  it('a card number in an unknown REST path is not echoed in the 404', async () => {
    const res = await rawRequest(`${stack.url}/checkout_sessions/cs_1/${PAN}`, {
      headers: restHeaders(),
    });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(PAN);
  });

  it('a card number in the Request-Id header is not echoed back', async () => {
    const res = await rawRequest(`${stack.url}/checkout_sessions/cs_nope`, {
      headers: restHeaders({ 'request-id': `4242 4242 4242 4242` }),
    });
    expect(String(res.headers['request-id'] ?? '')).not.toContain('4242 4242 4242 4242');
  });

  it('a card number as an MCP tool name is not echoed in the error', async () => {
    const client = await stack.mcp();
    let text = '';
    try {
      text = JSON.stringify(await client.callTool({ name: PAN, arguments: {} }));
    } catch (e) {
      text = String((e as Error).message);
    }
    expect(text).not.toContain(PAN);
  });
});
