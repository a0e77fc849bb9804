// The advertised input schemas (derived from core's zod wire schemas) against the official bundle: every
// official request example gets the same verdict from both, and a few probes of the bundle's refinement
// keywords (anyOf, if/then, uniqueItems) too.
import { checkoutExamples, mcpExamples, specPresent, validateDef } from '@acp/spec-oracle';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Harness } from './helpers.js';

const PAYLOAD_DEF: Record<string, string | undefined> = {
  create_checkout_session: 'CheckoutSessionCreateRequest',
  get_checkout_session: undefined,
  update_checkout_session: 'CheckoutSessionUpdateRequest',
  complete_checkout_session: 'CheckoutSessionCompleteRequest',
  cancel_checkout_session: 'CancelSessionRequest',
};
const REST_TO_TOOL: Record<string, string> = {
  create: 'create_checkout_session',
  update: 'update_checkout_session',
  complete: 'complete_checkout_session',
  cancel: 'cancel_checkout_session',
};

describe.skipIf(!specPresent())('advertised binding input schemas', () => {
  let h: Harness;
  const validators = new Map<string, ReturnType<Ajv2020['compile']>>();
  let tools: { name: string; inputSchema: Record<string, unknown>; outputSchema?: unknown }[] = [];

  beforeAll(async () => {
    h = await connect();
    tools = (await h.client.listTools()).tools as typeof tools;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => Ajv2020)(ajv);
    for (const t of tools) validators.set(t.name, ajv.compile(t.inputSchema));
  });
  afterAll(() => h.close());

  function advertised(tool: string, args: unknown): boolean {
    return validators.get(tool)!(args) as boolean;
  }
  function official(tool: string, args: Record<string, unknown>): boolean {
    const meta = args.meta as Record<string, unknown> | undefined;
    if (!meta || typeof meta.api_version !== 'string') return false;
    if (tool !== 'create_checkout_session' && typeof args.id !== 'string') return false;
    const def = PAYLOAD_DEF[tool];
    if (!def) return true;
    if (args.payload === undefined) return tool === 'cancel_checkout_session';
    return validateDef(def, args.payload).valid;
  }

  it('are self-contained (every $ref a bare pointer into their own $defs) and carry the OpenRPC params', () => {
    for (const name of Object.keys(PAYLOAD_DEF)) {
      const tool = tools.find((t) => t.name === name)!;
      expect(tool, name).toBeDefined();
      const defs = (tool.inputSchema.$defs ?? {}) as Record<string, unknown>;
      const refs: Record<string, unknown>[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          if ('$ref' in v) refs.push(v as Record<string, unknown>);
          Object.values(v).forEach(walk);
        }
      };
      walk(tool.inputSchema);
      for (const ref of refs) {
        // No sibling keyword: the same meaning for a draft-07 reader (the SDK 1.x lists draft-07).
        expect(Object.keys(ref), name).toEqual(['$ref']);
        const m = /^#\/\$defs\/([A-Za-z0-9]+)$/.exec(ref.$ref as string);
        expect(m, `${name}: ${String(ref.$ref)}`).not.toBeNull();
        expect(defs[m![1]!], `${name}: ${String(ref.$ref)}`).toBeDefined();
      }
      expect(tool.inputSchema.required).toContain('meta');
      expect(tool.outputSchema).toBeDefined();
    }
    // Shared definitions are used where a subschema repeats: FulfillmentDetails in create (twice).
    const create = tools.find((t) => t.name === 'create_checkout_session')!;
    expect(Object.keys(create.inputSchema.$defs as object)).toContain('FulfillmentDetails');
  });

  it('give the same verdict as the bundle on every MCP binding request example', () => {
    const examples = mcpExamples() as Record<
      string,
      { method?: string; params?: { name: string; arguments: Record<string, unknown> } }
    >;
    const verdicts: Record<string, boolean> = {};
    for (const [key, ex] of Object.entries(examples)) {
      if (ex.method !== 'tools/call' || !ex.params) continue;
      const { name, arguments: args } = ex.params;
      const mine = advertised(name, args);
      expect(mine, `${key}: advertised vs bundle`).toBe(official(name, args));
      verdicts[key] = mine;
    }
    // The two examples that contradict the bundle (legacy nested shipping; instrument without type/credential).
    expect(verdicts).toEqual({
      create_checkout_session_request: true,
      get_checkout_session_request: true,
      update_checkout_session_request: false,
      complete_checkout_session_request: false,
      cancel_checkout_session_request: true,
    });
  });

  it('give the same verdict as the bundle on every REST request example (as payload)', () => {
    let checked = 0;
    for (const [key, body] of Object.entries(checkoutExamples())) {
      const m = /^(create|update|complete|cancel)_(checkout_)?session.*_request/.exec(key);
      if (!m) continue;
      const tool = REST_TO_TOOL[m[1]!]!;
      const args = { meta: { api_version: '2026-04-17' }, id: 'cs_1', payload: body };
      expect(advertised(tool, args), key).toBe(official(tool, args));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('encode the bundle keywords zod enforces with refinements', () => {
    const base = { meta: { api_version: '2026-04-17' }, id: 'cs_1' };
    const probes: [string, unknown][] = [
      ['complete_checkout_session', { payment_data: { billing_address: undefined } }],
      ['complete_checkout_session', { payment_data: { handler_id: 'h' } }],
      ['complete_checkout_session', { payment_data: { purchase_order_number: 'PO-1' } }],
      [
        'complete_checkout_session',
        {
          payment_data: { purchase_order_number: 'PO-1' },
          authentication_result: { outcome: 'authenticated' },
        },
      ],
      [
        'complete_checkout_session',
        { payment_data: { purchase_order_number: 'PO-1' }, authentication_result: { outcome: 'denied' } },
      ],
      [
        'create_checkout_session',
        {
          currency: 'usd',
          line_items: [{ id: 'a' }],
          capabilities: { extensions: ['discount', 'discount'] },
        },
      ],
      [
        'create_checkout_session',
        { currency: 'usd', line_items: [{ id: 'a' }], capabilities: { extensions: ['discount'] } },
      ],
      [
        'create_checkout_session',
        {
          currency: 'usd',
          line_items: [{ id: 'a' }],
          capabilities: {},
          affiliate_attribution: { provider: 'p' },
        },
      ],
      [
        'create_checkout_session',
        {
          currency: 'usd',
          line_items: [{ id: 'a' }],
          capabilities: {},
          affiliate_attribution: { provider: 'p', token: 't' },
        },
      ],
      ['create_checkout_session', { currency: 'usd', line_items: [], capabilities: {} }],
    ];
    for (const [tool, payload] of probes) {
      const args = { ...base, payload: JSON.parse(JSON.stringify(payload)) };
      expect(advertised(tool, args), JSON.stringify(payload)).toBe(official(tool, args));
    }
  });

  it('document the one deliberate superset: an optional integer line_items[].quantity (digest §9 A2)', () => {
    const args = {
      meta: { api_version: '2026-04-17' },
      payload: { currency: 'usd', line_items: [{ id: 'a', quantity: 2 }], capabilities: {} },
    };
    expect(advertised('create_checkout_session', args)).toBe(true);
    expect(official('create_checkout_session', args)).toBe(false);
  });
});
