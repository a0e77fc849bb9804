// Composition root: config → store (SQLite or PostgreSQL) → catalog with persistent stock → Stripe (or the
// embedded emulator) → checkout service → MCP factory. Shared by the HTTP server and the stdio entry.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CheckoutService,
  type CheckoutStoreV1,
  createCheckoutService,
  type DomainEvent,
  type MerchantConfig,
  tokenizedCardHandler,
} from '@acp/core';
import { createFlatRatePricing, createSystemClock } from '@acp/core/adapters';
import { nodeSha256Hex } from '@acp/core/node';
import {
  type AcpMcpServerFactory,
  createAcpMcpServerFactory,
  type RequestSigningOptions,
  type TestPaymentsProvider,
} from '@acp/mcp-server';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import {
  clientKeyMode,
  createStripeGateway,
  createStripeTestPayments,
  createStripeWebhookHandler,
  type StripeWebhookHandler,
} from '@acp/stripe';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { catalogProducts } from './catalog.js';
import type { DemoConfig } from './config.js';
import { createDemoCatalog, type DemoCatalog } from './inventory.js';
import type { DemoLogger } from './logger.js';
import { createOrderLinks, type OrderLinks, orderLinkSecret } from './order-links.js';

export const STORE_NAME = 'ACP Demo Store';
/** The key the emulator accepts; it only ever talks to the local emulator. */
const EMULATOR_KEY = 'sk_test_acp_demo_emulator_offline';

export interface DemoRuntime {
  config: DemoConfig;
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
  /** Where a webhook for this process must be delivered (set by the caller that serves it). */
  setWebhookUrl(url: string): void;
  close(): Promise<void>;
}

const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

/** Overrides for tests only (never read from the environment). */
export interface DemoRuntimeOverrides {
  /** Extra `stripe` client settings, e.g. an emulator's host/port to stand in for Stripe in a test. */
  stripeConfig?: Partial<Stripe.StripeConfig>;
}

/**
 * `postgres://user:pass@host:5432/db?sslpassword=…` → `postgres://host:5432/db`: scheme, host, port and database
 * name only. A password can also sit in the query string (`?password=`), and user names are nobody's business
 * in a log: nothing else is printed.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '').split('/')[0] ?? '';
    return `${u.protocol}//${u.host}${db ? `/${db}` : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * The test-payments provider behind `collect_payment_info`: only when the stripe client itself sends a test key
 * (`clientKeyMode`, not the configured string), and `mode` follows that client, so a client that is live or
 * whose key cannot be read does not list the tool. The helpers still check the account (`livemode`) before
 * their first request.
 */
export function demoTestPayments(
  stripe: Stripe,
  secretKey: string,
  allowRawCards: boolean,
): TestPaymentsProvider | undefined {
  if (clientKeyMode(stripe) !== 'test') return undefined;
  const helpers = createStripeTestPayments({ stripe, secretKey, allowRawCards });
  return {
    mode: 'test', // derived above from the client, not declared

    rawCardsEnabled: helpers.rawCardsEnabled,
    async createTestToken(input) {
      const t =
        'paymentMethodId' in input
          ? await helpers.tokenFromPaymentMethod(input.paymentMethodId, {
              amount: input.amount,
              currency: input.currency,
            })
          : await helpers.tokenFromCard(
              {
                number: input.card.number,
                exp_month: input.card.expMonth,
                exp_year: input.card.expYear,
                cvc: input.card.cvc,
              },
              { amount: input.amount, currency: input.currency },
            );
      return {
        shared_payment_token: t.shared_payment_token,
        expires_at: new Date(t.expires_at * 1000).toISOString(),
        max_amount: t.max_amount,
        currency: t.currency,
      };
    },
  };
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
  // ---------------------------------------------------------------- store
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

  // ---------------------------------------------------------------- payments
  let emulator: StripeEmulator | undefined;
  let stripe: Stripe;
  let secretKey: string;
  let webhookSecret: string;
  let merchantId = 'acct_demo';
  const webhookTarget = { url: '' };
  if (config.payments === 'emulator') {
    webhookSecret = `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, '')}`;
    emulator = await startStripeEmulator({
      host: '127.0.0.1',
      port: 0,
      allowRawCards: config.ACP_ALLOW_RAW_TEST_CARDS,
    });
    closers.push(() => emulator?.close());
    secretKey = EMULATOR_KEY;
    stripe = new Stripe(secretKey, { ...emulator.stripeConfig, maxNetworkRetries: 2, timeout: 10_000 });
    merchantId = 'acct_emulator';
    logger.warn(
      'payments are SIMULATED: no STRIPE_SECRET_KEY, using the local Stripe emulator (not Stripe)',
      {
        emulator: emulator.url,
      },
    );
  } else {
    secretKey = config.STRIPE_SECRET_KEY!;
    webhookSecret = config.STRIPE_WEBHOOK_SECRET!;
    stripe = new Stripe(secretKey, { maxNetworkRetries: 2, timeout: 20_000, ...overrides.stripeConfig });
    // The key is checked before anything is served: an invalid or revoked key must not start a store that
    // then fails every payment.
    try {
      merchantId = (await stripe.accounts.retrieve(null)).id;
    } catch (e) {
      const err = e as { type?: string; statusCode?: number; message?: string };
      if (err.type === 'StripeAuthenticationError' || err.statusCode === 401 || err.statusCode === 403) {
        throw new Error(
          `STRIPE_SECRET_KEY was refused by Stripe (${err.statusCode ?? 401}: invalid, revoked or without access to the account). Check STRIPE_SECRET_KEY.`,
        );
      }
      logger.warn(
        'could not reach Stripe to check STRIPE_SECRET_KEY: starting anyway, but payments may fail until Stripe is reachable (and STRIPE_SECRET_KEY is valid); advertising merchant id acct_demo',
        { error: err.message },
      );
    }
    logger.info(
      `payments: Stripe ${config.payments === 'stripe-live' ? 'LIVE mode: test-only tools disabled' : 'test mode'}`,
    );
  }

  const threeDSecure =
    config.payments === 'emulator'
      ? {
          acquirerBin: '424242',
          acquirerCountry: 'US',
          acquirerMerchantId: 'acct_emulator',
          merchantName: STORE_NAME.slice(0, 40),
        }
      : undefined;
  const gateway = createStripeGateway({
    stripe,
    paymentLinks: {
      successUrl: `${config.publicUrl}/checkout/return?status=paid&stripe_session={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${config.publicUrl}/checkout/return?status=canceled`,
    },
    // 3DS through the agent needs real acquirer details (BIN, merchant id at the acquirer); the demo has
    // them only for the emulator. With Stripe, 3DS cards go to the hosted payment link (bank challenge there).
    ...(threeDSecure ? { authentication: threeDSecure } : {}),
    logger,
  });

  // Test-only helpers exist only with a test key, as the stripe client itself reports it; createStripeTestPayments
  // itself refuses live keys.
  const testPayments =
    config.payments !== 'stripe-live'
      ? demoTestPayments(stripe, secretKey, config.ACP_ALLOW_RAW_TEST_CARDS)
      : undefined;

  // ---------------------------------------------------------------- engine
  const orderLinks = createOrderLinks(
    orderLinkSecret(config.ACP_ORDER_LINK_SECRET, config.dataDir),
    config.publicUrl,
  );
  const merchant: MerchantConfig = {
    paymentHandlers: [
      tokenizedCardHandler({
        psp: 'stripe',
        merchantId,
        environment: config.payments === 'stripe-live' ? 'production' : 'test',
      }),
    ],
    interventions: { supported: threeDSecure ? ['3ds'] : [], required: [], enforcement: 'conditional' },
    links: [
      { type: 'terms_of_use', url: `${config.publicUrl}/policies/terms`, title: 'Terms of use' },
      { type: 'privacy_policy', url: `${config.publicUrl}/policies/privacy`, title: 'Privacy policy' },
      { type: 'return_policy', url: `${config.publicUrl}/policies/returns`, title: 'Returns' },
    ],
    supportedCurrencies: ['usd'],
    orderPermalinkBase: `${config.publicUrl}/orders/`,
    // Capability URLs: the buyer opens the order page from the link; ids alone open nothing.
    orderPermalink: (orderId) => orderLinks.url(orderId),
    support: { email: 'support@demo-store.example', help_center_url: `${config.publicUrl}/policies/support` },
  };
  const service = createCheckoutService({
    store,
    catalog,
    pricing: createFlatRatePricing({ taxRateBps: 875, freeShippingOver: 7500 }),
    gateway,
    clock: createSystemClock(),
    ids: { sessionId: () => randomId('cs'), orderId: () => randomId('ord') },
    digest: nodeSha256Hex,
    events: {
      version: 1,
      emit(event: DomainEvent) {
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
      },
    },
    logger,
    config: merchant,
  });

  const stripeWebhook = createStripeWebhookHandler({
    stripe,
    webhookSecret,
    onEvent: (event) => service.handlePaymentEvent(event),
    logger,
  });

  const requestSigning = config.ACP_SIGNING_SECRET ? { secrets: [config.ACP_SIGNING_SECRET] } : undefined;
  const mcpFactory = createAcpMcpServerFactory({
    service,
    catalog,
    name: 'acp-demo-store',
    version: '0.1.0',
    ...(testPayments ? { testPayments } : {}),
    ...(requestSigning ? { requestSigning } : {}),
    logger,
  });

  // Background duty: resume charges left pending by a crash or an outage, expire old sessions.
  const recover = async () => {
    try {
      const r = await service.recoverPendingPayments();
      if (r.resumed || r.stillPending) logger.info('payment recovery', r);
    } catch (e) {
      logger.warn('payment recovery failed', { error: (e as Error).message });
    }
  };
  await recover();
  const timers = [
    setInterval(recover, 30_000),
    setInterval(() => {
      service.sweep().catch((e: Error) => logger.warn('sweep failed', { error: e.message }));
    }, 5 * 60_000),
  ];
  for (const t of timers) t.unref();

  return {
    config,
    service,
    store,
    catalog,
    mcpFactory,
    requestSigning,
    testPayments,
    stripeWebhook,
    emulator,
    orderLinks,
    setWebhookUrl(url) {
      webhookTarget.url = url;
      if (emulator) emulator.addWebhookEndpoint({ url, secret: webhookSecret });
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const c of closers.reverse()) await c();
    },
  };
}
