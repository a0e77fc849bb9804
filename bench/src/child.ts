// Child-process entry for the servers under test (`fork`ed by children.ts): each benchmark target runs in its
// own process so the load generator never shares its event loop. Sends `{ type: 'ready', url, … }` over IPC
// and exits on `{ type: 'stop' }`.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckoutStoreV1, createCheckoutService } from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createMemoryStore } from '@acp/core/memory';
import { createSequentialIds, createTestCheckout, sampleMerchantConfig } from '@acp/core/testing';
import { createAcpHttpHandler } from '@acp/mcp-http';
import { createAcpNodeServer, toWebRequest, writeWebResponse } from '@acp/mcp-http/node';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import { createStripeGateway } from '@acp/stripe';
import { startStripeEmulator } from '@acp/stripe-emulator';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import Stripe from 'stripe';
import { answerOf, FLOW_BODIES, FLOW_PRODUCTS, inProcessContext } from './checkout.js';
import { type CpuProfile, startProfiling, writeProfile } from './profile.js';

export type ChildConfig =
  /** The toolkit's HTTP surface (REST + MCP) on the in-memory reference wiring. */
  | { role: 'acp'; apiKey?: string }
  /** The same `createAcpHttpHandler`, but MCP served by the one-tool no-op factory (diagnostic). */
  | { role: 'acp-noop-mcp' }
  /** A bare `createMcpHandler(factory)` with one no-op tool behind the same node adapter. */
  | { role: 'mcp-noop' }
  /** node:http calling `service.getSession` directly (no @acp/mcp-http): the core's share of a REST GET. */
  | { role: 'rest-service' }
  /** A bare node:http endpoint answering `JSON.stringify(body)`. */
  | { role: 'rest-bare'; body: unknown }
  | { role: 'emulator' }
  /** The HTTP surface on a real store, charging through @acp/stripe against the emulator. */
  | {
      role: 'flow';
      store: 'memory' | 'sqlite' | 'postgres';
      /** SQLite's `synchronous` (the store's default: FULL). */
      sqliteSynchronous?: 'FULL' | 'NORMAL';
      pgUrl?: string;
      schema?: string;
      stripe: { host: string; port: number; protocol: 'http' };
    };

export interface CpuMessage {
  type: 'cpu';
  usage: NodeJS.CpuUsage;
}

export interface ReadyMessage {
  type: 'ready';
  url: string;
}

/** Profiles this child's measured window: `start` samples every `intervalMicros`; `stop` writes `file`. */
export type ProfileCommand =
  | { type: 'profile-start'; intervalMicros?: number }
  | { type: 'profile-stop'; file: string };

export interface ProfiledMessage {
  type: 'profiled';
  file: string;
}

/** The no-op server: one tool, no input schema, a constant answer. */
export function noopFactory(): McpServer {
  const server = new McpServer({ name: 'noop', version: '1.0.0' });
  server.registerTool('noop', { description: 'Does nothing.' }, async () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
  return server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start(config: ChildConfig): Promise<{ url: string; close(): Promise<void> }> {
  switch (config.role) {
    case 'acp': {
      const t = createTestCheckout({ clock: createSystemClock() });
      const node = createAcpNodeServer({
        service: t.service,
        catalog: t.catalog,
        ...(config.apiKey ? { apiKeys: [{ id: 'bench', key: config.apiKey }] } : {}),
      });
      return { url: await node.listen(), close: () => node.close() };
    }
    case 'acp-noop-mcp': {
      const t = createTestCheckout({ clock: createSystemClock() });
      const node = createAcpNodeServer({ service: t.service, mcp: noopFactory });
      return { url: await node.listen(), close: () => node.close() };
    }
    case 'mcp-noop': {
      // Same SDK entry (`createMcpHandler`, stateless), same node adapter functions as @acp/mcp-http/node.
      const mcp = createMcpHandler(() => noopFactory());
      const server = createServer((req, res) => {
        mcp
          .fetch(toWebRequest(req, '127.0.0.1'))
          .then((response) => writeWebResponse(response, res))
          .catch(() => {
            if (!res.headersSent) res.writeHead(500);
            res.end();
          });
      });
      return {
        url: await listen(server),
        close: async () => {
          await mcp.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    case 'rest-service': {
      const t = createTestCheckout({ clock: createSystemClock() });
      await t.service.createSession(
        { ...FLOW_BODIES.create, line_items: [{ id: 'mug_classic', quantity: 1 }] },
        inProcessContext('anonymous', 'bench-seed-1'),
      );
      const server = createServer((req, res) => {
        const id = (req.url ?? '').slice('/checkout_sessions/'.length);
        t.service
          .getSession(id, {
            caller: 'anonymous',
            apiVersion: req.headers['api-version'] as string | undefined,
          })
          .then((r) => {
            const { status, body } = answerOf(r);
            res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
            res.end(JSON.stringify(body));
          })
          .catch(() => res.writeHead(500).end());
      });
      return {
        url: await listen(server),
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    case 'rest-bare': {
      const body = config.body;
      const server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
        req.resume();
      });
      return {
        url: await listen(server),
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    case 'emulator': {
      const emulator = await startStripeEmulator({ port: 0 });
      const { host, port } = emulator.stripeConfig;
      return { url: `http://${host}:${port}`, close: () => emulator.close() };
    }
    case 'flow': {
      let store: CheckoutStoreV1;
      let closeStore: () => Promise<void> | void = () => undefined;
      if (config.store === 'memory') store = createMemoryStore();
      else if (config.store === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'acp-bench-flow-'));
        const s = createSqliteStore({
          filename: join(dir, 'flow.db'),
          ...(config.sqliteSynchronous ? { synchronous: config.sqliteSynchronous } : {}),
        });
        store = s;
        closeStore = () => {
          s.close();
          rmSync(dir, { recursive: true, force: true });
        };
      } else {
        const schema = config.schema ?? `bench_flow_${process.pid}`;
        const s = await createPostgresStore({
          connectionString: config.pgUrl,
          schema,
          poolConfig: { max: 16 },
        });
        store = s;
        closeStore = async () => {
          await s.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await s.close();
        };
      }
      const stripe = new Stripe('sk_test_acp_bench', { ...config.stripe, maxNetworkRetries: 0 });
      const catalog = createMemoryCatalog(FLOW_PRODUCTS);
      const service = createCheckoutService({
        store,
        catalog,
        pricing: createFlatRatePricing({ taxRateBps: 875 }),
        gateway: createStripeGateway({ stripe }),
        clock: createSystemClock(),
        ids: createSequentialIds(`b${process.pid}`),
        config: sampleMerchantConfig(),
      });
      const http = createAcpHttpHandler({ service, catalog });
      const node = createAcpNodeServer(http);
      return {
        url: await node.listen(),
        close: async () => {
          await node.close();
          await closeStore();
        },
      };
    }
  }
}

const raw = process.env.ACP_BENCH_CHILD;
if (raw && process.send) {
  const config = JSON.parse(raw) as ChildConfig;
  const running = await start(config);
  let profiler: { stop(): Promise<CpuProfile> } | undefined;
  process.on('message', (m: { type: 'cpu' | 'stop' } | ProfileCommand | undefined) => {
    if (m?.type === 'cpu') {
      process.send?.({ type: 'cpu', usage: process.cpuUsage() } satisfies CpuMessage);
      return;
    }
    if (m?.type === 'profile-start') {
      void startProfiling(m.intervalMicros ?? 100).then((p) => {
        profiler = p;
        process.send?.({ type: 'profiled', file: '' } satisfies ProfiledMessage);
      });
      return;
    }
    if (m?.type === 'profile-stop') {
      const file = m.file;
      void (profiler?.stop() ?? Promise.resolve(undefined)).then((p) => {
        profiler = undefined;
        if (p) writeProfile(p, file);
        process.send?.({ type: 'profiled', file: p ? file : '' } satisfies ProfiledMessage);
      });
      return;
    }
    if (m?.type !== 'stop') return;
    running
      .close()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
  process.send({ type: 'ready', url: running.url } satisfies ReadyMessage);
}
