import { CHECKOUT_STATUSES } from '@acp/core';
import { createTestCheckout, type TestCheckout } from '@acp/core/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AcpHttpOptions } from '../src/index.js';
import { type AcpNodeServer, createAcpNodeServer } from '../src/node.js';

export const V = '2026-04-17';
export const KEY = 'sk_test_agent_key_0123456789';

export interface Running {
  checkout: TestCheckout;
  node: AcpNodeServer;
  url: string;
  close(): Promise<void>;
}

export async function start(
  options: Partial<AcpHttpOptions> = {},
  checkout: TestCheckout = createTestCheckout(),
): Promise<Running> {
  const node = createAcpNodeServer({
    service: checkout.service,
    catalog: checkout.catalog,
    apiKeys: [{ id: 'agent-1', key: KEY }],
    ...options,
  });
  const url = await node.listen({ port: 0, host: '127.0.0.1' });
  return { checkout, node, url, close: () => node.close() };
}

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${KEY}`,
    'api-version': V,
    'content-type': 'application/json',
    ...extra,
  };
}

export async function post(url: string, body: unknown, extra: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: headers({ 'idempotency-key': crypto.randomUUID(), ...extra }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export async function sessionCount(checkout: TestCheckout): Promise<number> {
  const page = await checkout.store.listSessions({ statuses: [...CHECKOUT_STATUSES], limit: 1000 });
  return page.sessions.length;
}

export async function mcpClient(
  url: string,
  opts: { token?: string; modern?: boolean } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'acp-test-agent', version: '1.0.0' },
    opts.modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const token = opts.token ?? KEY;
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

export const CAPS = { interventions: { supported: [] } };

/** A request through node:http (fetch cannot set `Host`). */
export async function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        data += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}
