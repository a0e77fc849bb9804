// The full stack the security suite attacks, wired from the packages (not from the demo app): the Stripe
// emulator + the real stripe-node client, @acp/stripe's gateway, webhook handler and test-only token helpers,
// core's service on a SQLite file (or PostgreSQL), and @acp/mcp-http on node:http at 127.0.0.1 with bearer
// keys, serving ACP REST, MCP at /mcp and the webhook mount. Every logger is the raw capture.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckoutService, type CheckoutStoreV1, createCheckoutService } from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createSequentialIds, SAMPLE_PRODUCTS, sampleMerchantConfig } from '@acp/core/testing';
import type { ApiKey } from '@acp/mcp-http';
import { type AcpNodeServer, createAcpNodeServer } from '@acp/mcp-http/node';
import type { RequestSigningOptions, TestPaymentsProvider } from '@acp/mcp-server';
import { createPostgresStore, type PostgresStore } from '@acp/store-postgres';
import { createSqliteStore, type SqliteStore } from '@acp/store-sqlite';
import {
  createStripeGateway,
  createStripeTestPaymentsProvider,
  createStripeWebhookHandler,
} from '@acp/stripe';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import Stripe from 'stripe';
import { type Capture, createCapture } from './capture.js';
import { type Snapshot, snapshotPostgres, snapshotSqlite } from './snapshot.js';

export const API_VERSION = '2026-04-17';
export const STRIPE_TEST_KEY = 'sk_test_acp_security_suite';
export const AGENT_KEY = 'acp_agent_key_security_0123456789';
export const AGENT_ID = 'agent-1';
export const WEBHOOK_SECRET = 'whsec_acp_security_suite';
export const WEBHOOK_PATH = '/webhooks/stripe';

export interface StackOptions {
  /** Raw test cards on the emulator and in createStripeTestPayments. Default false. */
  allowRawCards?: boolean;
  /** Default `sqlite` (a file in a temp dir). `postgres` needs `pgUrl`. */
  store?: 'sqlite' | 'postgres';
  pgUrl?: string;
  pgSchema?: string;
  maxBodyBytes?: number;
  /** Request signing, enforced by the handler on REST and /mcp alike. */
  requestSigning?: RequestSigningOptions;
  apiKeys?: ApiKey[];
  capture?: Capture;
  /** Deliver the emulator's webhooks to the server's mount. Default true. */
  webhooks?: boolean;
}

export interface Stack {
  url: string;
  emulator: StripeEmulator;
  stripe: Stripe;
  service: CheckoutService;
  store: CheckoutStoreV1;
  node: AcpNodeServer;
  capture: Capture;
  testPayments: TestPaymentsProvider;
  /** The SQLite database file (WAL mode: also `-wal`/`-shm` next to it). */
  sqliteFile?: string;
  sqlite?: SqliteStore;
  postgres?: PostgresStore;
  snapshot(): Promise<Snapshot>;
  /** A real MCP client over Streamable HTTP, authenticated with the agent key. */
  mcp(token?: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const capture = options.capture ?? createCapture();
  const allowRawCards = options.allowRawCards === true;
  const closers: (() => Promise<void> | void)[] = [];
  const emulator = await startStripeEmulator({ allowRawCards, webhookRetryDelaysMs: [20, 50] });
  closers.push(() => emulator.close());
  try {
    const stripe = new Stripe(STRIPE_TEST_KEY, { ...emulator.stripeConfig, maxNetworkRetries: 0 });
    const gateway = createStripeGateway({
      stripe,
      rateLimitRetryDelayMs: 5,
      paymentLinks: {
        successUrl: 'https://shop.example/paid?cs={CHECKOUT_SESSION_ID}',
        cancelUrl: 'https://shop.example/cart',
      },
      authentication: {
        acquirerBin: '424242',
        acquirerCountry: 'US',
        acquirerMerchantId: 'acct_security_suite',
        merchantName: 'Security Suite Shop',
      },
      logger: capture.logger,
    });
    const testPayments = createStripeTestPaymentsProvider(stripe, {
      secretKey: STRIPE_TEST_KEY,
      allowRawCards,
    });
    if (!testPayments) throw new Error('the security stack needs a test-mode stripe client');

    let store: CheckoutStoreV1;
    let sqlite: SqliteStore | undefined;
    let postgres: PostgresStore | undefined;
    let sqliteFile: string | undefined;
    if (options.store === 'postgres') {
      postgres = await createPostgresStore({
        connectionString: options.pgUrl!,
        schema: options.pgSchema ?? `acp_security_${process.pid}_${Date.now().toString(36)}`,
        poolConfig: { max: 4 },
      });
      const pg = postgres;
      closers.push(async () => {
        await pg.pool.query(`DROP SCHEMA IF EXISTS "${pg.schema}" CASCADE`).catch(() => undefined);
        await pg.close();
      });
      store = postgres;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'acp-security-'));
      sqliteFile = join(dir, 'checkout.db');
      sqlite = createSqliteStore({ filename: sqliteFile });
      const db = sqlite;
      closers.push(() => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      });
      store = sqlite;
    }

    const catalog = createMemoryCatalog(SAMPLE_PRODUCTS);
    const service = createCheckoutService({
      store,
      catalog,
      pricing: createFlatRatePricing({ taxRateBps: 875 }),
      gateway,
      clock: createSystemClock(),
      ids: createSequentialIds(`sec${process.pid}`),
      logger: capture.logger,
      config: sampleMerchantConfig(),
    });
    const onStripeWebhook = createStripeWebhookHandler({
      stripe,
      webhookSecret: WEBHOOK_SECRET,
      onEvent: (event) => service.handlePaymentEvent(event),
      logger: capture.logger,
    });

    const node = createAcpNodeServer({
      service,
      catalog,
      testPayments,
      apiKeys: options.apiKeys ?? [{ id: AGENT_ID, key: AGENT_KEY }],
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
      ...(options.requestSigning ? { requestSigning: options.requestSigning } : {}),
      webhook: {
        path: WEBHOOK_PATH,
        handle: (raw, signature) =>
          onStripeWebhook(new TextDecoder().decode(raw), signature ?? undefined) as Promise<{
            status: number;
            body?: unknown;
          }>,
      },
      logger: capture.logger,
    });
    const url = await node.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => node.close());
    if (options.webhooks !== false) {
      emulator.addWebhookEndpoint({ url: `${url}${WEBHOOK_PATH}`, secret: WEBHOOK_SECRET });
    }

    const clients: Client[] = [];
    closers.push(async () => {
      for (const c of clients) await c.close().catch(() => undefined);
    });
    return {
      url,
      emulator,
      stripe,
      service,
      store,
      node,
      capture,
      testPayments,
      ...(sqliteFile ? { sqliteFile } : {}),
      ...(sqlite ? { sqlite } : {}),
      ...(postgres ? { postgres } : {}),
      snapshot: () => (sqlite ? Promise.resolve(snapshotSqlite(sqlite)) : snapshotPostgres(postgres!)),
      async mcp(token = AGENT_KEY) {
        const client = new Client({ name: 'acp-security-suite', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        });
        await client.connect(transport);
        clients.push(client);
        return client;
      },
      async close() {
        await emulator.webhooks.idle().catch(() => undefined);
        for (const c of closers.splice(0).reverse()) await c();
      },
    };
  } catch (e) {
    for (const c of closers.splice(0).reverse()) await c();
    throw e;
  }
}
