// Property-based fuzzing of every ACP REST body and header over real HTTP (node:http client → the
// node:http server at 127.0.0.1): 0 crashes, 0 5xx, every rejection a flat ACP Error (JSONPath `param`
// where a field is at fault, status from core's table), and rejected requests leave the store unchanged.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostileValue,
  invalidUtf8,
  malformedJsonText,
  mutated,
  toJsonText,
  weirdString,
} from '../src/arbitraries.js';
import { jsonOf, type RawInit, type RawResponse, rawRequest } from '../src/http.js';
import {
  acpErrorProblems,
  createTally,
  fuzzRuns,
  fuzzSeed,
  reject,
  report,
  type Tally,
  violation,
} from '../src/oracle.js';
import {
  createFixtures,
  type Fixtures,
  restHeaders,
  VALID_CANCEL,
  VALID_CREATE,
  VALID_UPDATE,
  validComplete,
} from '../src/requests.js';
import { rejectionDiff } from '../src/snapshot.js';
import { AGENT_KEY, API_VERSION, type Stack, startStack, WEBHOOK_PATH } from '../src/stack.js';

const MAX_BODY = 64 * 1024;
let stack: Stack;
let fx: Fixtures;
const tally = createTally('fuzz-rest');

beforeAll(async () => {
  stack = await startStack({ maxBodyBytes: MAX_BODY, webhooks: false });
  fx = await createFixtures(stack);
});

afterAll(async () => {
  report(tally);
  await stack?.close();
});

type Route = { method: 'GET' | 'POST'; path: string; valid: unknown };

function routes(): Route[] {
  return [
    { method: 'POST', path: '/checkout_sessions', valid: VALID_CREATE },
    { method: 'GET', path: `/checkout_sessions/${fx.notReady}`, valid: undefined },
    { method: 'POST', path: `/checkout_sessions/${fx.notReady}`, valid: VALID_UPDATE },
    { method: 'POST', path: `/checkout_sessions/${fx.ready}`, valid: VALID_UPDATE },
    { method: 'POST', path: `/checkout_sessions/${fx.ready}/complete`, valid: validComplete(fx.token) },
    { method: 'POST', path: `/checkout_sessions/${fx.completed}/complete`, valid: validComplete(fx.token) },
    { method: 'POST', path: `/checkout_sessions/${fx.notReady}/cancel`, valid: VALID_CANCEL },
    { method: 'POST', path: `/checkout_sessions/${fx.canceled}/cancel`, valid: VALID_CANCEL },
    { method: 'POST', path: '/checkout_sessions/cs_does_not_exist', valid: VALID_UPDATE },
  ];
}

const routeIndex = fc.nat({ max: 8 });

/** Sends one request and applies the oracle. The store snapshot is taken around it. */
async function attempt(
  url: string,
  init: RawInit,
  idempotencyKey: string | undefined,
): Promise<RawResponse | undefined> {
  const before = await stack.snapshot();
  tally.requests++;
  let res: RawResponse;
  try {
    res = await rawRequest(url, init);
  } catch (e) {
    tally.crashes++;
    violation(tally, `no answer (${e instanceof Error ? e.message : String(e)})`, {
      url,
      ...init,
      body: String(init.body ?? '').slice(0, 300),
    });
    return undefined;
  }
  const shown = {
    method: init.method,
    url: url.replace(stack.url, ''),
    headers: init.headers,
    body: typeof init.body === 'string' ? init.body.slice(0, 300) : init.body,
  };
  if (res.status >= 500) {
    tally.serverErrors++;
    violation(tally, `HTTP ${res.status} ${res.text.slice(0, 200)}`, shown);
    return res;
  }
  if (res.status < 400) {
    tally.accepted++;
    return res;
  }
  const body = jsonOf(res.text);
  const code = (body as { code?: unknown } | undefined)?.code;
  reject(tally, typeof code === 'string' ? code : `http_${res.status}`);
  if (init.method !== 'HEAD') {
    for (const p of acpErrorProblems(body, res.status))
      violation(tally, `bad error (${p}): ${res.text.slice(0, 200)}`, shown);
  }
  const after = await stack.snapshot();
  for (const p of rejectionDiff(before, after, { idempotencyKey, status: res.status, body }))
    violation(tally, `state changed by a rejected request: ${p}`, shown);
  return res;
}

function expectClean(t: Tally): void {
  expect(t.violations, t.violations.join('\n')).toEqual([]);
  expect(t.serverErrors).toBe(0);
  expect(t.crashes).toBe(0);
}

describe('REST fuzzing', () => {
  it('bodies: mutated valid requests, hostile JSON values, prototype keys, huge numbers, deep nesting, malformed and non-UTF-8 JSON, oversized', async () => {
    const body = fc.oneof(
      { weight: 6, arbitrary: fc.constant('mutate' as const).map((k) => ({ k })) },
      { weight: 2, arbitrary: hostileValue().map((v) => ({ k: 'value' as const, v })) },
      { weight: 2, arbitrary: malformedJsonText.map((text) => ({ k: 'text' as const, text })) },
      { weight: 1, arbitrary: invalidUtf8.map((bytes) => ({ k: 'bytes' as const, bytes })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(MAX_BODY + 1, MAX_BODY * 2)
          .map((size) => ({ k: 'oversized' as const, size })),
      },
    );
    await fc.assert(
      fc.asyncProperty(routeIndex, body, fc.gen(), async (ri, b, gen) => {
        tally.runs++;
        const route = routes()[ri]!;
        let payload: string | Uint8Array;
        if (b.k === 'mutate') payload = toJsonText(gen(() => mutated(route.valid ?? {})));
        else if (b.k === 'value') payload = toJsonText(b.v);
        else if (b.k === 'text') payload = b.text;
        else if (b.k === 'bytes') payload = b.bytes;
        else payload = `{"currency":"usd","pad":"${'x'.repeat(b.size)}"}`;
        const key = crypto.randomUUID();
        await attempt(
          `${stack.url}${route.path}`,
          {
            method: route.method === 'GET' ? 'POST' : route.method,
            headers: restHeaders({ 'idempotency-key': key }),
            body: payload,
          },
          key,
        );
      }),
      { numRuns: fuzzRuns(300), seed: fuzzSeed(), endOnFailure: true },
    );
    expectClean(tally);
  });

  it('headers: missing, wrong, duplicated, oversized and odd API-Version, Idempotency-Key, Content-Type, Request-Id', async () => {
    const headerValue = fc.oneof(
      fc.constantFrom(
        '',
        ' ',
        'x'.repeat(300),
        'x'.repeat(9000),
        '\u00ff\u00fe',
        'null',
        '2026-04-17 ',
        ' 2026-04-17',
        '2025-09-29',
        '2026-04-17, 2026-04-17',
      ),
      fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:;,/= \t"\'\u00e9\u00ff'.split('')), maxLength: 40 }),
    );
    const spec = fc.record({
      apiVersion: fc.oneof(
        fc.constant<'omit' | 'valid' | 'dup'>('omit'),
        fc.constant('valid' as const),
        fc.constant('dup' as const),
        headerValue,
      ),
      idem: fc.oneof(
        fc.constant<'omit' | 'fresh' | 'dup' | 'reuse'>('omit'),
        fc.constant('fresh' as const),
        fc.constant('dup' as const),
        fc.constant('reuse' as const),
        headerValue,
      ),
      contentType: fc.oneof(
        fc.constantFrom(
          'omit',
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'application/merge-patch+json',
          'text/plain',
          'text/json',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/jsonx',
          'application/json; charset=latin1',
          ';',
          'dup',
        ),
        headerValue,
      ),
      requestId: fc.option(headerValue, { nil: undefined }),
      extra: fc.option(
        fc.tuple(
          fc.constantFrom(
            'x-forwarded-host',
            'x-http-method-override',
            'transfer-encoding-x',
            'accept',
            'accept-language',
            'user-agent',
            'signature',
            'timestamp',
          ),
          headerValue,
        ),
        { nil: undefined },
      ),
      route: routeIndex,
    });
    let reused: string | undefined;
    await fc.assert(
      fc.asyncProperty(spec, async (h) => {
        tally.runs++;
        const route = routes()[h.route]!;
        const headers: Record<string, string | string[]> = { authorization: `Bearer ${AGENT_KEY}` };
        if (h.apiVersion === 'valid') headers['api-version'] = API_VERSION;
        else if (h.apiVersion === 'dup') headers['api-version'] = [API_VERSION, API_VERSION];
        else if (h.apiVersion !== 'omit') headers['api-version'] = h.apiVersion;
        let key: string | undefined;
        if (h.idem === 'fresh') key = crypto.randomUUID();
        else if (h.idem === 'reuse') key = reused ?? crypto.randomUUID();
        else if (h.idem === 'dup') {
          const k = crypto.randomUUID();
          headers['idempotency-key'] = [k, k];
          key = `${k}, ${k}`;
        } else if (h.idem !== 'omit') key = h.idem;
        if (key !== undefined && h.idem !== 'dup') headers['idempotency-key'] = key;
        reused = key ?? reused;
        if (h.contentType === 'dup') headers['content-type'] = ['application/json', 'text/plain'];
        else if (h.contentType !== 'omit') headers['content-type'] = h.contentType;
        if (h.requestId !== undefined) headers['request-id'] = h.requestId;
        if (h.extra) headers[h.extra[0]] = h.extra[1];
        const body = route.valid === undefined ? undefined : JSON.stringify(route.valid);
        // Node folds a duplicated header into "a, b" (or keeps the first for content-type); the key the
        // server sees is what may own an idempotency record.
        await attempt(
          `${stack.url}${route.path}`,
          { method: route.method, headers, ...(body ? { body } : {}) },
          key?.trim(),
        );
      }),
      { numRuns: fuzzRuns(250), seed: fuzzSeed() + 1, endOnFailure: true },
    );
    expectClean(tally);
  });

  it('paths and methods: odd ids (%ZZ, NUL, __proto__, 10k chars, traversal), every method, unknown routes', async () => {
    const id = fc.oneof(
      fc.constantFrom(
        '%ZZ',
        '%E0%A4%A',
        '%00',
        '%2F..%2F',
        '..',
        '__proto__',
        'constructor',
        '%F0%9F%98%80',
        '%ED%A0%80',
        'a'.repeat(10_000),
        'cs_%20',
        '%25',
      ),
      fc.constantFrom(fx.ready, fx.notReady, fx.completed),
      weirdString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))),
    );
    const suffix = fc.constantFrom(
      '',
      '/',
      '/complete',
      '/cancel',
      '/complete/',
      '/refund',
      '//complete',
      '/cancel/x',
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
    const prefix = fc.constantFrom(
      '/checkout_sessions/',
      '/checkout_sessions',
      '/checkout_sessionsX/',
      '/CHECKOUT_SESSIONS/',
      '/checkout_sessions/../',
    );
    await fc.assert(
      fc.asyncProperty(prefix, id, suffix, method, async (p, i, sfx, m) => {
        tally.runs++;
        const key = crypto.randomUUID();
        const hasBody = m !== 'GET' && m !== 'HEAD';
        await attempt(
          `${stack.url}${p}${i}${sfx}`,
          {
            method: m,
            headers: restHeaders({ 'idempotency-key': key }),
            ...(hasBody ? { body: JSON.stringify(VALID_UPDATE) } : {}),
          },
          key,
        );
      }),
      { numRuns: fuzzRuns(150), seed: fuzzSeed() + 2, endOnFailure: true },
    );
    expectClean(tally);
  });

  it('bearer auth: missing, malformed and wrong Authorization never reaches the service', async () => {
    const auth = fc.oneof(
      fc.constantFrom(
        'omit',
        '',
        'Bearer',
        'Bearer ',
        `Basic ${btoa('a:b')}`,
        `bearer ${AGENT_KEY}x`,
        `Bearer ${AGENT_KEY} x`,
        `Bearer  ${AGENT_KEY.slice(1)}`,
        `Token ${AGENT_KEY}`,
        `Bearer ${AGENT_KEY.toUpperCase()}`,
      ),
      fc
        .string({ unit: fc.constantFrom(...'abcdef0123456789_-. '.split('')), maxLength: 60 })
        .map((s) => `Bearer ${s}`),
    );
    await fc.assert(
      fc.asyncProperty(auth, routeIndex, async (a, ri) => {
        tally.runs++;
        const route = routes()[ri]!;
        const headers: Record<string, string> = restHeaders({ 'idempotency-key': crypto.randomUUID() });
        if (a === 'omit') delete headers.authorization;
        else headers.authorization = a;
        const res = await attempt(
          `${stack.url}${route.path}`,
          { method: route.method, headers, ...(route.valid ? { body: JSON.stringify(route.valid) } : {}) },
          undefined,
        );
        if (res && res.status !== 401)
          violation(tally, `auth ${JSON.stringify(a)} answered ${res.status}`, route.path);
      }),
      { numRuns: fuzzRuns(80), seed: fuzzSeed() + 3, endOnFailure: true },
    );
    expectClean(tally);
  });

  it('transport edge cases: chunked oversized body, lying Content-Length, empty POST, HEAD', async () => {
    const key = () => crypto.randomUUID();
    const cases: [string, RawInit][] = [
      [
        'chunked oversized',
        {
          method: 'POST',
          headers: restHeaders({ 'idempotency-key': key() }),
          body: `{"currency":"${'u'.repeat(MAX_BODY * 2)}"}`,
          chunked: true,
        },
      ],
      [
        'declared oversized',
        {
          method: 'POST',
          headers: restHeaders({ 'idempotency-key': key(), 'content-length': String(MAX_BODY * 100) }),
          body: '{}',
        },
      ],
      ['empty POST body', { method: 'POST', headers: restHeaders({ 'idempotency-key': key() }) }],
      [
        'empty POST with a length of 0',
        {
          method: 'POST',
          headers: restHeaders({ 'idempotency-key': key(), 'content-length': '0' }),
          body: '',
        },
      ],
      ['HEAD', { method: 'HEAD', headers: restHeaders() }],
    ];
    for (const [, init] of cases) {
      tally.runs++;
      const k = init.headers?.['idempotency-key'];
      await attempt(`${stack.url}/checkout_sessions`, init, typeof k === 'string' ? k : undefined);
    }
    expectClean(tally);
  });

  it('webhook mount: unsigned, forged and malformed deliveries are refused without touching state', async () => {
    const sig = fc.oneof(
      fc.constantFrom(
        'omit',
        '',
        't=1,v1=00',
        `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
        't=,v1=',
        'v1=abc',
        't=99999999999,v1=x,v0=y',
      ),
      fc.string({ maxLength: 80 }),
    );
    const payload = fc.oneof(
      fc.constant(
        JSON.stringify({
          id: 'evt_1',
          object: 'event',
          type: 'checkout.session.completed',
          data: { object: { id: 'cs_x', payment_status: 'paid', client_reference_id: fx.ready } },
        }),
      ),
      malformedJsonText,
      hostileValue().map((v) => toJsonText(v)),
    );
    await fc.assert(
      fc.asyncProperty(sig, payload, async (sg, body) => {
        tally.runs++;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (sg !== 'omit') headers['stripe-signature'] = sg.replace(/[^\t\x20-\x7e]/g, '?');
        const before = await stack.snapshot();
        tally.requests++;
        const res = await rawRequest(`${stack.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
        if (res.status >= 500) {
          tally.serverErrors++;
          violation(tally, `webhook HTTP ${res.status}`, { sg, body: body.slice(0, 200) });
        } else if (res.status < 400) {
          violation(tally, `forged webhook accepted (${res.status})`, { sg, body: body.slice(0, 200) });
        } else reject(tally, `webhook_${res.status}`);
        for (const p of rejectionDiff(before, await stack.snapshot()))
          violation(tally, `webhook changed state: ${p}`, sg);
      }),
      { numRuns: fuzzRuns(60), seed: fuzzSeed() + 4, endOnFailure: true },
    );
    expectClean(tally);
  });
});
