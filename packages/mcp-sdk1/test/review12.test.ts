// Review 12 PoCs (failing tests) for registerAcpCheckoutToolsSdk1 and the error bridge on a 1.x McpServer.
// Real parts: the 1.x McpServer and Client over the 1.x InMemoryTransport, core's memory store (behind a gate
// that stands in for a slow database), the checkout tools.
import type { CheckoutStoreV1 } from '@acp/core';
import { createMemoryStore } from '@acp/core/memory';
import { createTestCheckout } from '@acp/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { registerAcpCheckoutToolsSdk1 } from '../src/index.js';

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
    reached,
    hold() {
      gate = new Promise<void>((r) => {
        release = r;
      });
    },
    open() {
      gate = undefined;
      release();
    },
  };
}

describe('review12 (SDK 1.x): error bridge marks outlive the request they were made for', () => {
  it('a binding call that fails after its connection closed does not rewrite a later connection’s answer', async () => {
    const gated = gatedStore();
    const checkout = createTestCheckout({ store: gated.store });
    const mcp = new McpServer({ name: 'host', version: '1.0.0' });
    registerAcpCheckoutToolsSdk1(mcp, { service: checkout.service, catalog: checkout.catalog });

    const [a1, b1] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b1);
    const first = new Client({ name: 'first', version: '1.0.0' });
    await first.connect(a1);
    gated.hold();
    const pending = first
      .callTool({
        name: 'get_checkout_session',
        arguments: { meta: { api_version: '2026-04-17' }, id: 'cs_x' },
      })
      .catch(() => undefined);
    await gated.reached;
    await first.close();
    await pending;

    // 1.x: close() then connect() is the supported way to serve a new connection with the same server.
    await mcp.close();
    const [a2, b2] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b2);
    const second = new Client({ name: 'second', version: '1.0.0' });
    await second.connect(a2);

    gated.open();
    await new Promise((r) => setTimeout(r, 20));

    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        seen.push((await second.listTools()).tools.length);
      } catch (e) {
        seen.push({ code: (e as { code?: number }).code, message: (e as Error).message });
      }
    }
    await second.close();
    expect(seen).toEqual([10, 10, 10]);
  });
});
