// Property-based fuzzing of every MCP tool's arguments through a real MCP client (@modelcontextprotocol/client
// over Streamable HTTP to the node:http server at 127.0.0.1), and of raw JSON-RPC bodies at /mcp.
// Binding tools: success, or JSON-RPC -32000 with the flat ACP Error in `data`, or -32602 exactly when the
// envelope is malformed. Shopper tools: success or `isError` with the ACP error. Never a crash or a 5xx, and
// rejected calls leave the store unchanged.
import { ACP_ERROR_CODES, type AcpErrorCode, httpStatusOf } from '@acp/core';
import type { Client } from '@modelcontextprotocol/client';
import { ProtocolError } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostileValue,
  malformedJsonText,
  mutated,
  toJsonText,
  toPlain,
  weirdString,
  withKey,
} from '../src/arbitraries.js';
import { jsonRpcMessages, rawRequest } from '../src/http.js';
import {
  acpErrorProblems,
  createTally,
  fuzzRuns,
  fuzzSeed,
  reject,
  report,
  violation,
} from '../src/oracle.js';
import {
  BUYER,
  createFixtures,
  type Fixtures,
  VALID_CANCEL,
  VALID_CREATE,
  VALID_UPDATE,
  validComplete,
} from '../src/requests.js';
import { rejectionDiff } from '../src/snapshot.js';
import { AGENT_KEY, API_VERSION, type Stack, startStack } from '../src/stack.js';

let stack: Stack;
let fx: Fixtures;
let client: Client;
const tally = createTally('fuzz-mcp');

beforeAll(async () => {
  stack = await startStack({ allowRawCards: true, webhooks: false });
  fx = await createFixtures(stack);
  client = await stack.mcp();
});

afterAll(async () => {
  report(tally);
  await stack?.close();
});

const BINDING = [
  'create_checkout_session',
  'get_checkout_session',
  'update_checkout_session',
  'complete_checkout_session',
  'cancel_checkout_session',
] as const;
type BindingName = (typeof BINDING)[number];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN_META = [
  'api_version',
  'idempotency_key',
  'request_id',
  'user_agent',
  'accept_language',
  'signature',
  'timestamp',
];

/** The binding's malformed-envelope rules (README "Errors"), written independently of the factory. */
function malformedEnvelope(name: BindingName, args: Record<string, unknown>): boolean {
  const meta = args.meta;
  if (!isObject(meta)) return true;
  if (KNOWN_META.some((k) => Object.hasOwn(meta, k) && meta[k] !== undefined && typeof meta[k] !== 'string'))
    return true;
  if (name !== 'create_checkout_session' && (typeof args.id !== 'string' || args.id === '')) return true;
  if (name === 'get_checkout_session') return false;
  const payload = args.payload;
  if (payload === undefined || payload === null) return name !== 'cancel_checkout_session';
  return !isObject(payload);
}

function validPayload(name: BindingName): unknown {
  switch (name) {
    case 'create_checkout_session':
      return VALID_CREATE;
    case 'update_checkout_session':
      return VALID_UPDATE;
    case 'complete_checkout_session':
      return validComplete(fx.token);
    case 'cancel_checkout_session':
      return VALID_CANCEL;
    default:
      return undefined;
  }
}

function shown(name: string, args: unknown) {
  return { tool: name, args };
}

async function callBinding(name: BindingName, args: Record<string, unknown>): Promise<void> {
  const before = await stack.snapshot();
  tally.requests++;
  const malformed = malformedEnvelope(name, args);
  try {
    const r = (await client.callTool({ name, arguments: args })) as Record<string, unknown>;
    if (malformed) violation(tally, 'malformed envelope accepted', shown(name, args));
    if (r.isError)
      violation(tally, 'binding tool answered isError instead of a JSON-RPC error', shown(name, args));
    tally.accepted++;
  } catch (e) {
    if (!(e instanceof ProtocolError)) {
      tally.crashes++;
      violation(
        tally,
        `not a JSON-RPC error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
        shown(name, args),
      );
      return;
    }
    if (e.code === -32602) {
      reject(tally, 'jsonrpc_-32602');
      if (!malformed) violation(tally, `-32602 for a well-formed envelope: ${e.message}`, shown(name, args));
    } else if (e.code === -32000) {
      const data = e.data as { code?: string } | undefined;
      reject(tally, data?.code ?? 'jsonrpc_-32000_without_data');
      if (malformed) violation(tally, `-32000 (${data?.code}) for a malformed envelope`, shown(name, args));
      for (const p of acpErrorProblems(data))
        violation(tally, `bad ACP error in data: ${p}`, shown(name, args));
      if (
        typeof data?.code === 'string' &&
        /^(internal_error|payment_processing_error|service_unavailable)$/.test(data.code)
      )
        violation(tally, `server-side failure ${data.code}`, shown(name, args));
    } else {
      reject(tally, `jsonrpc_${e.code}`);
      violation(tally, `unexpected JSON-RPC code ${e.code}: ${e.message}`, shown(name, args));
    }
    const meta = isObject(args.meta) ? args.meta : {};
    const key = typeof meta.idempotency_key === 'string' ? meta.idempotency_key : undefined;
    const body = (e as ProtocolError).data;
    // A 4xx answered under the caller's own key is stored for replay: the one write a rejection may make.
    const status = isObject(body) && typeof body.code === 'string' ? statusOf(body.code) : 400;
    for (const p of rejectionDiff(before, await stack.snapshot(), { idempotencyKey: key, status, body }))
      violation(tally, `state changed by a rejected call: ${p}`, shown(name, args));
  }
}

const statusOf = (code: string) => (code in ACP_ERROR_CODES ? httpStatusOf(code as AcpErrorCode) : 400);

async function callShopper(name: string, args: Record<string, unknown>): Promise<void> {
  if (process.env.FUZZ_TRACE) process.stderr.write(`CALL ${name} ${JSON.stringify(args)?.slice(0, 300)}\n`);
  const before = await stack.snapshot();
  tally.requests++;
  try {
    const r = (await client.callTool({ name, arguments: args })) as {
      isError?: boolean;
      structuredContent?: { error?: unknown };
      content?: unknown[];
    };
    if (!r.isError) {
      tally.accepted++;
      return;
    }
    const error = r.structuredContent?.error as { code?: string } | undefined;
    reject(tally, error?.code ?? 'isError_without_error');
    for (const p of acpErrorProblems(error)) violation(tally, `bad ACP error: ${p}`, shown(name, args));
    if (!Array.isArray(r.content) || r.content.length === 0)
      violation(tally, 'isError without content', shown(name, args));
    if (error?.code === 'internal_error') violation(tally, 'internal_error', shown(name, args));
    // complete_checkout runs under a key derived from the request (ChatGPT cannot send one), so like any
    // keyed ACP request its 4xx answer is stored for the identical retry; nothing else may change. Core
    // stores only the key's SHA-256, so the record's key is a digest (its answer must still match exactly).
    const own = name === 'complete_checkout' ? /^[0-9a-f]{64}$/ : undefined;
    const status = typeof error?.code === 'string' ? statusOf(error.code) : 400;
    for (const p of rejectionDiff(before, await stack.snapshot(), {
      idempotencyKey: own,
      status,
      body: error,
    }))
      violation(tally, `state changed by a rejected call: ${p}`, shown(name, args));
  } catch (e) {
    tally.crashes++;
    violation(
      tally,
      `shopper tool threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      shown(name, args),
    );
  }
}

function expectClean(): void {
  expect(tally.violations, tally.violations.join('\n')).toEqual([]);
  expect(tally.crashes).toBe(0);
}

/** Arguments as a JS object the client can send (own `__proto__` keys kept, verbatim numbers parsed). */
const plainArgs = (v: unknown): Record<string, unknown> => {
  const p = toPlain(v);
  return isObject(p) ? p : { value: p };
};

describe('MCP fuzzing (real client over Streamable HTTP)', () => {
  it('binding tools: {meta, id, payload} with hostile meta, ids and payloads', async () => {
    const meta = fc.oneof(
      { weight: 4, arbitrary: fc.constant('valid' as const) },
      { weight: 2, arbitrary: fc.constant('keyless' as const) },
      {
        weight: 3,
        arbitrary: mutated(
          {
            api_version: API_VERSION,
            idempotency_key: 'k',
            request_id: 'r',
            user_agent: 'ua',
            accept_language: 'en',
          },
          false,
        ),
      },
      { weight: 1, arbitrary: hostileValue(false) },
      { weight: 1, arbitrary: fc.constant('omit' as const) },
    );
    const id = fc.oneof(
      fc.constantFrom('ready', 'notReady', 'completed', 'canceled'),
      weirdString,
      hostileValue(false),
      fc.constant('omit' as const),
    );
    const payload = fc.oneof(
      { weight: 5, arbitrary: fc.constant('mutate' as const) },
      { weight: 2, arbitrary: fc.constant('valid' as const) },
      { weight: 2, arbitrary: hostileValue(false).map((v) => ({ v })) },
      { weight: 1, arbitrary: fc.constant('omit' as const) },
    );
    const extra = fc.option(
      fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'x'), hostileValue(false)),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BINDING),
        meta,
        id,
        payload,
        extra,
        fc.gen(),
        async (name, m, i, p, x, gen) => {
          tally.runs++;
          const args: Record<string, unknown> = {};
          if (m === 'valid') args.meta = { api_version: API_VERSION, idempotency_key: crypto.randomUUID() };
          else if (m === 'keyless') args.meta = { api_version: API_VERSION };
          else if (m !== 'omit') withKey(args, 'meta', m);
          if (i === 'ready' || i === 'notReady' || i === 'completed' || i === 'canceled') args.id = fx[i];
          else if (i !== 'omit') withKey(args, 'id', i);
          const valid = validPayload(name);
          if (p === 'valid') args.payload = valid;
          else if (p === 'mutate') args.payload = gen(() => mutated(valid ?? {}, false));
          else if (p !== 'omit') withKey(args, 'payload', p.v);
          if (x) withKey(args, x[0], x[1]);
          await callBinding(name, plainArgs(args));
        },
      ),
      { numRuns: fuzzRuns(350), seed: fuzzSeed() + 10, endOnFailure: true },
    );
    expectClean();
  });

  it('shopper tools, collect_payment_info (raw test cards on) and complete_checkout: mutated and hostile arguments', async () => {
    const valid: Record<string, () => Record<string, unknown>> = {
      search_products: () => ({
        query: 'mug',
        category: 'kitchen',
        max_unit_amount: 5000,
        in_stock_only: true,
        limit: 5,
        cursor: '0',
      }),
      get_product: () => ({ product_id: 'mug_classic' }),
      create_payment_link: () => ({ checkout_session_id: fx.ready2 }),
      get_order: () => ({ order_id: fx.orderId }),
      collect_payment_info: () => ({ sessionId: fx.ready, paymentMethodId: 'pm_card_visa' }),
      collect_payment_info_raw: () => ({
        sessionId: fx.ready,
        cardNumber: '4242 4242 4242 4242',
        expMonth: 12,
        expYear: 2031,
        cvc: '7319',
      }),
      complete_checkout: () => ({
        checkout_session_id: fx.ready,
        buyer: BUYER,
        payment_data: { token: fx.token, provider: 'stripe' },
      }),
    };
    const names = Object.keys(valid);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.oneof(
          { weight: 5, arbitrary: fc.constant('mutate' as const) },
          { weight: 1, arbitrary: fc.constant('valid' as const) },
          { weight: 1, arbitrary: hostileValue(false).map((v) => ({ v })) },
        ),
        fc.gen(),
        async (key, how, gen) => {
          tally.runs++;
          const name = key === 'collect_payment_info_raw' ? 'collect_payment_info' : key;
          const base = valid[key]!();
          const args = how === 'valid' ? base : how === 'mutate' ? gen(() => mutated(base, false)) : how.v;
          await callShopper(name, plainArgs(args));
        },
      ),
      { numRuns: fuzzRuns(250), seed: fuzzSeed() + 11, endOnFailure: true },
    );
    expectClean();
  });

  it('raw JSON-RPC at /mcp: malformed bodies, batches, wrong params, non-object arguments, deep nesting', async () => {
    const toolName = fc.constantFrom(
      ...BINDING,
      'search_products',
      'collect_payment_info',
      'complete_checkout',
      'no_such_tool',
      '__proto__',
    );
    const message = fc.oneof(
      hostileValue().map((v) => toJsonText(v)),
      malformedJsonText,
      fc
        .tuple(toolName, hostileValue())
        .map(([n, a]) =>
          toJsonText({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: n, arguments: a } }),
        ),
      fc
        .tuple(
          fc.constantFrom(
            'tools/call',
            'tools/list',
            'initialize',
            'ping',
            'resources/list',
            '__proto__',
            '',
          ),
          hostileValue(),
        )
        .map(([method, params]) => toJsonText({ jsonrpc: '2.0', id: 7, method, params })),
      fc
        .tuple(hostileValue(), hostileValue())
        .map(([id, v]) => toJsonText({ jsonrpc: v, id, method: 'tools/list' })),
      fc
        .array(fc.constant({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { maxLength: 3 })
        .map((b) => JSON.stringify(b)),
    );
    const accept = fc.constantFrom(
      'application/json, text/event-stream',
      'application/json',
      'text/event-stream',
      '*/*',
      'omit',
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'omit',
      'application/json; charset=utf-8',
    );
    await fc.assert(
      fc.asyncProperty(message, accept, contentType, async (body, acc, ct) => {
        tally.runs++;
        const headers: Record<string, string> = {
          authorization: `Bearer ${AGENT_KEY}`,
          'mcp-protocol-version': '2025-06-18',
        };
        if (acc !== 'omit') headers.accept = acc;
        if (ct !== 'omit') headers['content-type'] = ct;
        const before = await stack.snapshot();
        tally.requests++;
        let res: Awaited<ReturnType<typeof rawRequest>>;
        try {
          res = await rawRequest(`${stack.url}/mcp`, { method: 'POST', headers, body });
        } catch (e) {
          tally.crashes++;
          violation(tally, `no answer: ${String(e)}`, body.slice(0, 200));
          return;
        }
        if (res.status >= 500) {
          tally.serverErrors++;
          violation(tally, `HTTP ${res.status}: ${res.text.slice(0, 200)}`, body.slice(0, 200));
          return;
        }
        const messages = jsonRpcMessages(res.text, res.headers['content-type'] as string | undefined);
        if (res.status >= 400 || messages.some((m) => isObject(m) && isObject(m.error))) {
          const err = messages.find((m) => isObject(m) && isObject(m.error)) as
            | { error: { code: number; data?: unknown } }
            | undefined;
          reject(tally, err ? `jsonrpc_${err.error.code}` : `http_${res.status}`);
          if (err && err.error.code === -32000 && err.error.data !== undefined)
            for (const p of acpErrorProblems(err.error.data))
              violation(tally, `bad ACP error: ${p}`, body.slice(0, 200));
          for (const p of rejectionDiff(before, await stack.snapshot()))
            violation(tally, `state changed by a rejected JSON-RPC call: ${p}`, body.slice(0, 200));
        } else tally.accepted++;
      }),
      { numRuns: fuzzRuns(200), seed: fuzzSeed() + 12, endOnFailure: true },
    );
    expect(tally.serverErrors).toBe(0);
    expectClean();
  });
});
