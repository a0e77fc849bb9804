// Composition root: config → store (SQLite or PostgreSQL) → catalog with persistent stock → @acp/checkout's
// createCheckout (Stripe or the embedded emulator, the engine, the MCP factory, the HTTP handler). Shared by the
// HTTP server and the stdio entry.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Checkout, CheckoutError, createCheckout, redactDatabaseUrl } from '@acp/checkout';
import type { CheckoutService, CheckoutStoreV1, DomainEvent } from '@acp/core';
import { isLoopbackHost } from '@acp/mcp-http/node';
import type { AcpMcpServerFactory, RequestSigningOptions, TestPaymentsProvider } from '@acp/mcp-server';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import type { StripeWebhookHandler } from '@acp/stripe';
import type { StripeEmulator } from '@acp/stripe-emulator';
import type Stripe from 'stripe';
import { catalogProducts } from './catalog.js';
import type { DemoConfig } from './config.js';
import { createDemoCatalog, type DemoCatalog } from './inventory.js';
import type { DemoLogger } from './logger.js';
import { createOrderLinks, type OrderLinks, orderLinkSecret } from './order-links.js';

export { redactDatabaseUrl };

export const STORE_NAME = 'ACP Demo Store';
const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface DemoRuntime {
  config: DemoConfig;
  /** Everything createCheckout returned (the HTTP handler is `checkout.http`). */
  checkout: Checkout;
  service: CheckoutService;
  store: CheckoutStoreV1;
  catalog: DemoCatalog;
  mcpFactory: AcpMcpServerFactory;
  /** ACP request signing (`ACP_SIGNING_SECRET`): one options object for REST and MCP (one replay store). */
  requestSigning: RequestSigningOptions | undefined;
  testPayments: TestPaymentsProvider | undefined;
  stripeWebhook: StripeWebhookHandler;
  emulator: StripeEmulator | undefined;
  /** Order permalinks (capability URLs) and their check. */
  orderLinks: OrderLinks;
  /** The local URL the store is served at (the emulator delivers its webhooks to `<url>/webhooks/stripe`). */
  setServerUrl(url: string): void;
  close(): Promise<void>;
}

/** Overrides for tests only (never read from the environment). */
export interface DemoRuntimeOverrides {
  /** Extra `stripe` client settings, e.g. an emulator's host/port to stand in for Stripe in a test. */
  stripeConfig?: Partial<Stripe.StripeConfig>;
}

/**
 * Hosts the store answers (DNS-rebinding check on the API and the pages): bound to loopback behind a proxy or
 * tunnel, it also answers its own machine (the dashboard at http://127.0.0.1:PORT/); a foreign Host is refused.
 */
function allowedHostsOf(config: DemoConfig): string[] | undefined {
  const loopback = isLoopbackHost(config.HOST);
  const publicHost = new URL(config.publicUrl).hostname;
  if (isLoopbackHost(publicHost)) return loopback ? undefined : [publicHost];
  return loopback ? [publicHost, ...LOCALHOST_NAMES] : [publicHost];
}

/** The events the demo logs (core logs the ones needing the operator at error level itself). */
function logEvent(logger: DemoLogger, event: DomainEvent): void {
  if (event.type === 'payment_unconfirmed') {
    // A charge whose key answered a 5xx that the gateway cannot prove uncharged (also logged by core).
    logger.warn(event.type, { session: event.sessionId, attempt: event.attemptId, proof: event.proof });
    return;
  }
  if (!('order' in event)) {
    // A duplicate payment refunded, or one needing the operator (also logged at error level by core).
    logger.info(event.type, { session: event.payment.sessionId, payment: event.payment.paymentId });
    return;
  }
  logger.info(event.type, {
    order: event.order.order.id,
    session: event.order.sessionId,
    amount: event.order.amount,
    currency: event.order.currency,
  });
}

export async function createDemoRuntime(
  config: DemoConfig,
  logger: DemoLogger,
  overrides: DemoRuntimeOverrides = {},
): Promise<DemoRuntime> {
  const closers: (() => Promise<void> | void)[] = [];
  try {
    return await buildRuntime(config, logger, overrides, closers);
  } catch (e) {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw e;
  }
}

async function buildRuntime(
  config: DemoConfig,
  logger: DemoLogger,
  overrides: DemoRuntimeOverrides,
  closers: (() => Promise<void> | void)[],
): Promise<DemoRuntime> {
  // ---------------------------------------------------------------- store and stock (the demo's own tables)
  let store: CheckoutStoreV1;
  let catalog: DemoCatalog;
  const products = catalogProducts(config.publicUrl);
  if (config.DATABASE_URL) {
    let pg: Awaited<ReturnType<typeof createPostgresStore>>;
    try {
      pg = await createPostgresStore({ connectionString: config.DATABASE_URL, schema: 'acp_demo' });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new Error(
        `could not connect to PostgreSQL at DATABASE_URL (${redactDatabaseUrl(config.DATABASE_URL)}): ${reason.replaceAll(config.DATABASE_URL, '<DATABASE_URL>')}`,
      );
    }
    closers.push(() => pg.close());
    store = pg;
    catalog = await createDemoCatalog(products, { kind: 'postgres', pool: pg.pool, schema: pg.schema });
    logger.info('store: PostgreSQL', { schema: pg.schema });
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    const filename = join(config.dataDir, 'store.db');
    const sqlite = createSqliteStore({ filename });
    closers.push(() => sqlite.close());
    store = sqlite;
    catalog = await createDemoCatalog(products, { kind: 'sqlite', database: sqlite.database });
    logger.info('store: SQLite', { file: filename });
  }

  // ---------------------------------------------------------------- checkout (payments, engine, MCP, HTTP)
  const orderLinks = createOrderLinks(
    orderLinkSecret(config.ACP_ORDER_LINK_SECRET, config.dataDir),
    config.publicUrl,
  );
  const requestSigning = config.ACP_SIGNING_SECRET ? { secrets: [config.ACP_SIGNING_SECRET] } : undefined;
  const allowedHosts = allowedHostsOf(config);
  let checkout: Checkout;
  try {
    checkout = await createCheckout({
      name: STORE_NAME,
      catalog,
      store,
      tax: { rateBps: 875 },
      shipping: { freeOver: 7500 },
      ...(config.STRIPE_SECRET_KEY
        ? {
            stripe: {
              secretKey: config.STRIPE_SECRET_KEY,
              webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
              allowRawTestCards: config.ACP_ALLOW_RAW_TEST_CARDS,
              ...(overrides.stripeConfig ? { clientConfig: overrides.stripeConfig } : {}),
            },
          }
        : // The demo store is a demo: simulated payments are its point, said on every page and at start-up.
          { emulator: { allowRawCards: config.ACP_ALLOW_RAW_TEST_CARDS, publicDemo: true } }),
      publicUrl: config.publicUrl,
      paymentLinks: {
        successUrl: `${config.publicUrl}/checkout/return?status=paid&stripe_session={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${config.publicUrl}/checkout/return?status=canceled`,
      },
      merchant: {
        links: [
          { type: 'terms_of_use', url: `${config.publicUrl}/policies/terms`, title: 'Terms of use' },
          { type: 'privacy_policy', url: `${config.publicUrl}/policies/privacy`, title: 'Privacy policy' },
          { type: 'return_policy', url: `${config.publicUrl}/policies/returns`, title: 'Returns' },
        ],
        support: {
          email: 'support@demo-store.example',
          help_center_url: `${config.publicUrl}/policies/support`,
        },
        // Capability URLs: the buyer opens the order page from the link; ids alone open nothing.
        orderPermalink: (orderId) => orderLinks.url(orderId),
      },
      ...(requestSigning ? { requestSigning } : {}),
      http: {
        ...(config.ACP_API_KEYS.length
          ? { apiKeys: config.ACP_API_KEYS.map((k) => (k.id ? { id: k.id, key: k.key } : { key: k.key })) }
          : {}),
        ...(allowedHosts ? { allowedHosts } : {}),
        ...(config.ACP_ALLOW_UNAUTHENTICATED ? { allowUnauthenticated: true } : {}),
        webhookPath: '/webhooks/stripe',
      },
      mcp: { name: 'acp-demo-store', version: '0.1.0' },
      onEvent: (event) => logEvent(logger, event),
      logger,
    });
  } catch (e) {
    if (CheckoutError.isInstance(e) && e.code === 'stripe_key_refused') {
      throw new Error(
        'STRIPE_SECRET_KEY was refused by Stripe (invalid, revoked or without access to the account). Check STRIPE_SECRET_KEY.',
      );
    }
    throw e;
  }
  closers.push(() => checkout.close());
  if (!checkout.payments.accountVerified) {
    logger.warn(
      'could not reach Stripe to check STRIPE_SECRET_KEY: starting anyway, but payments may fail until Stripe is reachable (and STRIPE_SECRET_KEY is valid)',
    );
  }

  return {
    config,
    checkout,
    service: checkout.service,
    store,
    catalog,
    mcpFactory: checkout.mcpServer,
    requestSigning,
    testPayments: checkout.mcpTools.testPayments,
    stripeWebhook: checkout.webhook,
    emulator: checkout.emulator,
    orderLinks,
    setServerUrl: (url) => checkout.setServerUrl(url),
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
