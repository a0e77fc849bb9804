// The per-request instances register no tool: tools/list is listed once per factory from the tool table and
// served from that cache. It must be exactly what McpServer itself answers for the same tools.
import { createTestCheckout } from '@acp/core/testing';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  type AcpMcpServerOptions,
  BINDING_SHAPES,
  type BindingToolName,
  bindingInputSchema,
  checkoutSessionOutputSchema,
  createAcpMcpServerFactory,
  type JsonSchema,
} from '../src/index.js';
import {
  CollectPaymentInfoInput,
  CollectPaymentInfoOutput,
  CollectPaymentInfoRawCardInput,
} from '../src/tools/collect-payment-info.js';
import { CompleteCheckoutInput } from '../src/tools/complete-checkout.js';
import { CreatePaymentLinkInput, CreatePaymentLinkOutput } from '../src/tools/create-payment-link.js';
import { zodJsonSchema } from '../src/tools/define.js';
import { GetOrderInput, GetOrderOutput } from '../src/tools/get-order.js';
import { GetProductInput, GetProductOutput } from '../src/tools/get-product.js';
import { SearchProductsInput, SearchProductsOutput } from '../src/tools/search-products.js';
import { memoryTestPayments, rawList } from './helpers.js';

/** A JSON Schema as McpServer takes it (never validates here: the listing only needs the JSON). */
function json(schema: JsonSchema): StandardSchemaWithJSON {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      jsonSchema: { input: () => schema, output: () => schema },
      validate: () => {
        throw new Error('not used');
      },
    },
  };
}

async function listWith(server: McpServer) {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(a);
  const first = await client.listTools();
  const second = await client.listTools();
  await client.close();
  await server.close();
  return { first, second };
}

describe('tools/list', () => {
  it('serves the cached rendering on every instance, the same on every call', async () => {
    const checkout = createTestCheckout();
    const factory = createAcpMcpServerFactory({
      service: checkout.service,
      catalog: checkout.catalog,
      testPayments: memoryTestPayments(true),
    });
    const one = await listWith(factory());
    const two = await listWith(factory());
    expect(one.second).toEqual(one.first);
    expect(two.first).toEqual(one.first);
    expect(one.first.tools.map((t) => t.name)).toContain('get_checkout_session');
    expect(one.first.tools.map((t) => t.name)).toContain('collect_payment_info');
    // A plain McpServer with one registered tool lists it the way the template lists ours.
    const plain = new McpServer({ name: 'p', version: '1' });
    plain.registerTool('x', { description: 'x' }, async () => ({ content: [] }));
    const reference = await listWith(plain);
    expect(Object.keys(reference.first)).toEqual(Object.keys(one.first));
  });
});

describe('tools/list from the table', () => {
  it('is byte for byte what McpServer lists for the same registrations', async () => {
    const checkout = createTestCheckout();
    const session = json(checkoutSessionOutputSchema());
    // The shopper tools' zod schemas as the table converts them (shared definitions, no zod noise).
    const zod = (input: z.ZodType, output: z.ZodType) =>
      [json(zodJsonSchema(input, 'input')), json(zodJsonSchema(output, 'output'))] as const;
    const shopper: Record<string, readonly [StandardSchemaWithJSON, StandardSchemaWithJSON]> = {
      search_products: zod(SearchProductsInput, SearchProductsOutput),
      get_product: zod(GetProductInput, GetProductOutput),
      create_payment_link: zod(CreatePaymentLinkInput, CreatePaymentLinkOutput),
      get_order: zod(GetOrderInput, GetOrderOutput),
      collect_payment_info: zod(CollectPaymentInfoInput, CollectPaymentInfoOutput),
      complete_checkout: [json(zodJsonSchema(CompleteCheckoutInput, 'input')), session],
    };
    const variants: Partial<AcpMcpServerOptions>[] = [
      { testPayments: memoryTestPayments(false) },
      { testPayments: memoryTestPayments(true) },
      { catalog: undefined, paymentLinks: false, chatgptCompleteCheckout: false },
    ];
    for (const variant of variants) {
      const options = { service: checkout.service, catalog: checkout.catalog, ...variant };
      const factory = createAcpMcpServerFactory(options);
      const listed = (await listWith(factory())).first;
      const plain = new McpServer({ name: 'p', version: '1' });
      for (const tool of listed.tools) {
        const [input, output] = Object.hasOwn(BINDING_SHAPES, tool.name)
          ? [json(bindingInputSchema(tool.name as BindingToolName)), session]
          : tool.name === 'collect_payment_info' && options.testPayments?.rawCardsEnabled
            ? zod(CollectPaymentInfoRawCardInput, CollectPaymentInfoOutput)
            : shopper[tool.name]!;
        plain.registerTool(
          tool.name,
          {
            title: tool.title,
            description: tool.description,
            inputSchema: input,
            outputSchema: output,
            annotations: tool.annotations,
          },
          async () => ({ content: [] }),
        );
      }
      expect(await rawList(factory())).toBe(await rawList(plain));
    }
  });
});
