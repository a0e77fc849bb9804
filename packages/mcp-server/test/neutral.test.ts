// The framework-neutral form: definitions and `call`, with no MCP SDK in between.
import { createTestCheckout } from '@acp/core/testing';
import { ProtocolError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { createAcpCheckoutTools, LOCAL_CALLER } from '../src/index.js';
import * as neutralEntry from '../src/neutral-entry.js';
import { API_VERSION, connect, createArgs, memoryTestPayments, READY_UPDATE } from './helpers.js';

describe('createAcpCheckoutTools', () => {
  it('defines the tools exactly as the standalone server lists them, plus their kind', async () => {
    const checkout = createTestCheckout();
    const options = {
      service: checkout.service,
      catalog: checkout.catalog,
      testPayments: memoryTestPayments(),
    };
    const tools = createAcpCheckoutTools(options);
    const h = await connect(options, undefined, checkout);
    const listed = (await h.client.listTools()).tools;
    await h.close();
    expect(tools.definitions().map(({ kind: _kind, ...t }) => t)).toEqual(listed);
    expect(
      tools
        .definitions()
        .filter((d) => d.kind === 'binding')
        .map((d) => d.name),
    ).toEqual([
      'create_checkout_session',
      'get_checkout_session',
      'update_checkout_session',
      'complete_checkout_session',
      'cancel_checkout_session',
    ]);
    // Fresh copies: a caller changing one does not change the next.
    tools.definitions()[0]!.description = 'changed';
    expect(tools.definitions()[0]!.description).not.toBe('changed');
    expect(tools.has('collect_payment_info')).toBe(true);
    expect(createAcpCheckoutTools({ service: checkout.service }).has('collect_payment_info')).toBe(false);
    expect(createAcpCheckoutTools({ service: checkout.service }).has('search_products')).toBe(false);
  });

  it('answers a result, an isError result, or a JSON-RPC error object; never throws', async () => {
    const checkout = createTestCheckout();
    const tools = createAcpCheckoutTools({ service: checkout.service, catalog: checkout.catalog });
    const created = await tools.call('create_checkout_session', createArgs(undefined, [{ id: 'ebook_mcp' }]));
    expect(created.error).toBeUndefined();
    const id = created.result!.id as string;
    expect(created.result!.status).toBe('not_ready_for_payment');

    const updated = await tools.call('update_checkout_session', {
      meta: { api_version: API_VERSION },
      id,
      payload: READY_UPDATE,
    });
    expect(updated.result?.status).toBe('ready_for_payment');

    expect(
      await tools.call('get_checkout_session', { meta: { api_version: API_VERSION }, id: 'cs_x' }),
    ).toEqual({
      error: {
        code: -32000,
        message: expect.any(String),
        data: expect.objectContaining({ type: 'invalid_request', code: 'session_not_found' }),
      },
    });
    expect((await tools.call('get_checkout_session', { id })).error?.code).toBe(-32602);
    expect((await tools.call('no_such_tool', {})).error).toEqual({
      code: -32602,
      message: 'Tool no_such_tool not found',
    });
    // A tool these options disable is unknown.
    expect((await tools.call('collect_payment_info', { sessionId: id })).error?.code).toBe(-32602);
    const shopper = await tools.call('get_product', { product_id: 'nope' });
    expect(shopper.result?.isError).toBe(true);
  });

  it('scopes sessions to context.caller (default local) and refuses the merchant identity', async () => {
    const checkout = createTestCheckout();
    const tools = createAcpCheckoutTools({ service: checkout.service });
    const created = await tools.call('create_checkout_session', createArgs(), { caller: 'alice' });
    const id = created.result!.id as string;
    const bob = await tools.call(
      'get_checkout_session',
      { meta: { api_version: API_VERSION }, id },
      { caller: 'bob' },
    );
    expect(bob.error?.data).toMatchObject({ code: 'session_not_found' });
    const local = await tools.call('get_checkout_session', { meta: { api_version: API_VERSION }, id });
    expect(local.error?.data).toMatchObject({ code: 'session_not_found' });
    expect(LOCAL_CALLER).toBe('local');
    const internal = await tools.call(
      'get_checkout_session',
      { meta: { api_version: API_VERSION }, id },
      { caller: 'internal' },
    );
    expect(internal.error?.code).toBe(-32603);
  });

  it('answers an unexpected failure with -32603 and no message of its own, and logs only the tool name', async () => {
    const checkout = createTestCheckout();
    const logged: unknown[] = [];
    const service = new Proxy(checkout.service, {
      get(target, prop, receiver) {
        if (prop === 'getSession') {
          return () => Promise.reject(new Error('database password is hunter2 and card 4242424242424242'));
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (...args: unknown[]) => logged.push(args),
    };
    const tools = createAcpCheckoutTools({ service, logger });
    const out = await tools.call('get_checkout_session', { meta: { api_version: API_VERSION }, id: 'cs_1' });
    expect(out).toEqual({ error: { code: -32603, message: 'Internal error' } });
    expect(JSON.stringify(logged)).not.toMatch(/hunter2|4242/);
    expect(JSON.stringify(logged)).toContain('get_checkout_session');
    // The standalone factory answers the same JSON-RPC error.
    const h = await connect({ service, logger }, undefined, checkout);
    const e = await h.client
      .callTool({
        name: 'get_checkout_session',
        arguments: { meta: { api_version: API_VERSION }, id: 'cs_1' },
      })
      .catch((err: unknown) => err);
    await h.close();
    expect(e).toBeInstanceOf(ProtocolError);
    expect({ code: (e as ProtocolError).code, message: (e as ProtocolError).message }).toEqual({
      code: -32603,
      message: 'Internal error',
    });
  });

  it('@acp/mcp-server/neutral exports the neutral form and loads no MCP SDK', async () => {
    expect(typeof neutralEntry.createAcpCheckoutTools).toBe('function');
    expect(typeof neutralEntry.jsonRpcErrorBridge).toBe('function');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from '@modelcontextprotocol\//);
      for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
        visit(fileURLToPath(new URL(m[1]!.replace(/\.js$/, '.ts'), `file://${file}`)));
      }
    };
    visit(fileURLToPath(new URL('../src/neutral-entry.ts', import.meta.url)));
    expect(seen.size).toBeGreaterThan(5);
  });
});
