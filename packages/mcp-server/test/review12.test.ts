// Review 12 PoCs (failing tests) for registerAcpCheckoutTools and the error bridge on an SDK v2 McpServer.
// Real parts: the official v2 McpServer and Client over the SDK's InMemoryTransport, core's memory store (behind
// a gate that stands in for a slow database), the checkout tools.
import type { CheckoutStoreV1 } from '@acp/core';
import { createMemoryStore } from '@acp/core/memory';
import { createTestCheckout } from '@acp/core/testing';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { registerAcpCheckoutTools } from '../src/index.js';
import { API_VERSION } from './helpers.js';

/** A memory store whose getSession waits for `open()` while `hold` is on: a database that answers slowly. */
function gatedStore() {
  const inner = createMemoryStore();
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  let entered: () => void = () => undefined;
  const reached = new Promise<void>((r) => {
    entered = r;
  });
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'getSession' && typeof v === 'function') {
        return async (...args: unknown[]) => {
          if (gate) {
            entered();
            await gate;
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as CheckoutStoreV1;
  return {
    store,
    hold() {
      gate = new Promise<void>((r) => {
        release = r;
      });
    },
    reached,
    open() {
      gate = undefined;
      release();
    },
  };
}

function hostServer(store: CheckoutStoreV1) {
  const checkout = createTestCheckout({ store });
  const mcp = new McpServer({ name: 'host', version: '1.0.0' });
  mcp.registerTool('host_ping', { description: 'Host tool.', inputSchema: z.object({}) }, async () => ({
    content: [{ type: 'text', text: 'pong' }],
  }));
  registerAcpCheckoutTools(mcp, { service: checkout.service, catalog: checkout.catalog });
  return mcp;
}

describe('review12: error bridge marks outlive the request they were made for', () => {
  it('a binding call that fails after its connection closed does not rewrite a later connection’s answer', async () => {
    const gated = gatedStore();
    const mcp = hostServer(gated.store);

    // Connection 1: a client asks for a session; the store is slow; the client goes away meanwhile.
    const [a1, b1] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b1);
    const first = new Client({ name: 'first', version: '1.0.0' });
    await first.connect(a1);
    gated.hold();
    const pending = first
      .callTool({
        name: 'get_checkout_session',
        arguments: { meta: { api_version: API_VERSION }, id: 'cs_x' },
      })
      .catch(() => undefined);
    await gated.reached;
    await first.close(); // the server's handler is aborted: its answer will never be sent
    await pending;

    // Connection 2 on the same server (the SDK supports close() + connect()): a new client.
    const [a2, b2] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b2);
    const second = new Client({ name: 'second', version: '1.0.0' });
    await second.connect(a2);

    // The first connection's checkout call now fails (session_not_found) and marks its request id.
    gated.open();
    await new Promise((r) => setTimeout(r, 20));

    // The second client's next requests reuse the same ids (its ids start again at 0): none of them may
    // become the first client's ACP error.
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        seen.push((await second.listTools()).tools.length);
      } catch (e) {
        seen.push({ code: (e as { code?: number }).code, message: (e as Error).message });
      }
    }
    await second.close();
    expect(seen).toEqual([11, 11, 11]);
  });
});

describe('review12: binding inputs the spec accepts', () => {
  // RFC 5322 atext (`!`, `{`, `}`, `&`, `=` …) is valid in an email's local part and RFC 3339 allows lower-case
  // `t`/`z` and a leap second; the bundle (Ajv 2020 + ajv-formats, the spec's own reading) and the advertised
  // input schema (zod's stricter patterns were dropped from it) both accept these. The tool must too.
  it('create_checkout_session accepts what the bundle and the advertised schema accept (email, date-time)', async () => {
    const { specPresent, validateDef } = await import('@acp/spec-oracle');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const addFormats = (await import('ajv-formats')).default as unknown as (a: unknown) => void;
    const { createAcpCheckoutTools } = await import('../src/index.js');
    const { createArgs } = await import('./helpers.js');
    if (!specPresent()) throw new Error('the ACP spec is needed (ACP_SPEC_DIR)');
    const checkout = createTestCheckout();
    const tools = createAcpCheckoutTools({ service: checkout.service, catalog: checkout.catalog });
    const def = tools.definitions().find((d) => d.name === 'create_checkout_session')!;
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const advertised = ajv.compile(def.inputSchema);
    const refused: unknown[] = [];
    for (const extra of [
      { buyer: { email: 'first!last@example.com' } },
      { buyer: { email: 'jack&jill@example.com' } },
      { affiliate_attribution: { provider: 'p', token: 't', issued_at: '2026-05-01t10:00:00z' } },
      { affiliate_attribution: { provider: 'p', token: 't', issued_at: '2016-12-31T23:59:60Z' } },
    ]) {
      const args = createArgs();
      Object.assign(args.payload, extra);
      expect(validateDef('CheckoutSessionCreateRequest', args.payload).valid).toBe(true);
      expect(advertised(args)).toBe(true);
      const outcome = await tools.call('create_checkout_session', args);
      if (outcome.error) refused.push({ extra, error: outcome.error.data });
    }
    expect(refused).toEqual([]);
  });
});
