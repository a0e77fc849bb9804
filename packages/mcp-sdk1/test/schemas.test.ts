// The binding tools' input schemas as the 1.x McpServer lists them (draft-07, with the tools' `$defs`): read by
// a draft-07 validator, they give the same verdict as the official bundle on every MCP binding request example.
import { createTestCheckout } from '@acp/core/testing';
import { mcpExamples, specPresent, validateDef } from '@acp/spec-oracle';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createHostServer } from './fixtures/host-sdk1.mjs';

const PAYLOAD_DEF: Record<string, string | undefined> = {
  create_checkout_session: 'CheckoutSessionCreateRequest',
  get_checkout_session: undefined,
  update_checkout_session: 'CheckoutSessionUpdateRequest',
  complete_checkout_session: 'CheckoutSessionCompleteRequest',
  cancel_checkout_session: 'CancelSessionRequest',
};

function official(tool: string, args: Record<string, unknown>): boolean {
  const meta = args.meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta.api_version !== 'string') return false;
  if (tool !== 'create_checkout_session' && typeof args.id !== 'string') return false;
  const def = PAYLOAD_DEF[tool];
  if (!def) return true;
  if (args.payload === undefined) return tool === 'cancel_checkout_session';
  return validateDef(def, args.payload).valid;
}

describe.skipIf(!specPresent())('binding input schemas as listed by the 1.x McpServer', () => {
  it('read as draft-07, give the bundle’s verdict on every MCP binding request example', async () => {
    const { mcp } = createHostServer(createTestCheckout());
    const [a, b] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(a);
    const { tools } = await client.listTools();
    await client.close();

    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv) => Ajv)(ajv);
    const examples = mcpExamples() as Record<
      string,
      { method?: string; params?: { name: string; arguments: Record<string, unknown> } }
    >;
    let checked = 0;
    for (const [key, ex] of Object.entries(examples)) {
      if (ex.method !== 'tools/call' || !ex.params) continue;
      const tool = tools.find((t) => t.name === ex.params!.name)!;
      expect(tool.inputSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      const validate = ajv.compile(tool.inputSchema);
      expect(validate(ex.params.arguments), key).toBe(official(ex.params.name, ex.params.arguments));
      checked++;
    }
    expect(checked).toBe(5);
  });
});
