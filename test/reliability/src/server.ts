// The campaign's merchant server: the real packages wired the way a deployment wires them — a SQLite file or
// a PostgreSQL schema, the Stripe gateway on the real `stripe` client (pointed at the emulator, which runs in
// another process so it survives our crashes), the HTTP handler (ACP REST + Streamable HTTP MCP) with the
// Stripe webhook mount, payment recovery at start-up and on a timer.
//
//   node dist/server.js          (configured by ACP_REL_* environment variables, see `readConfig`)
//
// Prints one JSON object per line on stdout: `{event:'ready', url, …}`, `{event:'crash_point', …}`,
// `{event:'recovered', …}`. Logs go to stderr. Test-only crash points (ACP_REL_CRASH) make the process stop
// dead right before or right after the PSP call, so a test can SIGKILL it in that exact window.
import { randomUUID } from 'node:crypto';
import {
  type ChargeRequest,
  type CheckoutStoreV1,
  createCheckoutService,
  type Logger,
  type PaymentGatewayV1,
  type Product,
  tokenizedCardHandler,
} from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createAcpHttpHandler } from '@acp/mcp-http';
import { createAcpNodeServer } from '@acp/mcp-http/node';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import {
  createStripeGateway,
  createStripeTestPaymentsProvider,
  createStripeWebhookHandler,
} from '@acp/stripe';
import Stripe from 'stripe';

/** Products of the campaign store: none tracks stock, so any number of orders is possible. */
const CAMPAIGN_PRODUCTS: Product[] = [
  {
    id: 'ebook_mcp',
    name: 'The MCP Handbook (ebook)',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
  },
  { id: 'mug_classic', name: 'Classic Mug', unitAmount: 1500, currency: 'usd', fulfillment: 'physical' },
  { id: 'tee_black', name: 'Black T-Shirt', unitAmount: 2500, currency: 'usd', fulfillment: 'physical' },
];

type CrashPoint = 'before_charge' | 'after_charge';

interface ServerConfig {
  instance: string;
  port: number;
  store:
    | { kind: 'sqlite'; file: string }
    | { kind: 'postgres'; url: string; schema: string; poolMax: number };
  stripeUrl: URL;
  stripeKey: string;
  stripeRetries: number;
  webhookSecret: string;
  apiKeys: { id: string; key: string }[];
  paymentLeaseSeconds: number;
  unconfirmedPaymentGraceSeconds: number;
  idempotencyLockSeconds: number;
  recoveryIntervalMs: number;
  crash: CrashPoint | undefined;
}

function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is required`);
    return v;
  };
  const int = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
    return n;
  };
  const storeKind = env.ACP_REL_STORE ?? 'sqlite';
  const store: ServerConfig['store'] =
    storeKind === 'postgres'
      ? {
          kind: 'postgres',
          url: need('ACP_REL_PG_URL'),
          schema: need('ACP_REL_PG_SCHEMA'),
          poolMax: int('ACP_REL_PG_POOL', 8),
        }
      : { kind: 'sqlite', file: need('ACP_REL_SQLITE_FILE') };
  const crash = env.ACP_REL_CRASH;
  if (crash && crash !== 'before_charge' && crash !== 'after_charge') {
    throw new Error('ACP_REL_CRASH must be before_charge or after_charge');
  }
  const stripeUrl = new URL(need('ACP_REL_STRIPE_URL'));
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(stripeUrl.hostname)) {
    throw new Error('ACP_REL_STRIPE_URL must be a loopback emulator URL (this server never talks to Stripe)');
  }
  const stripeKey = env.ACP_REL_STRIPE_KEY ?? 'sk_test_reliability_campaign';
  if (!stripeKey.startsWith('sk_test_')) throw new Error('ACP_REL_STRIPE_KEY must be a test key');
  return {
    instance: env.ACP_REL_INSTANCE ?? 'server',
    port: int('ACP_REL_PORT', 0),
    store,
    stripeUrl,
    stripeKey,
    stripeRetries: int('ACP_REL_STRIPE_RETRIES', 1),
    webhookSecret: need('ACP_REL_WEBHOOK_SECRET'),
    apiKeys: need('ACP_REL_API_KEYS')
      .split(',')
      .map((pair) => {
        const i = pair.indexOf('=');
        return { id: pair.slice(0, i), key: pair.slice(i + 1) };
      }),
    paymentLeaseSeconds: int('ACP_REL_PAYMENT_LEASE_SECONDS', 60),
    // The emulator saves injected 500s under their key, as Stripe does; a charge attempt behind one is closed
    // once the List API (read-after-write consistent; search lags and is never proof) shows no payment for
    // its key. The campaign shortens the grace period to 0 to close such attempts quickly (against Stripe keep
    // core's default).
    unconfirmedPaymentGraceSeconds: int('ACP_REL_UNCONFIRMED_GRACE_SECONDS', 0),
    idempotencyLockSeconds: int('ACP_REL_IDEMPOTENCY_LOCK_SECONDS', 60),
    recoveryIntervalMs: int('ACP_REL_RECOVERY_INTERVAL_MS', 0),
    crash: crash ? (crash as CrashPoint) : undefined,
  };
}

const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

function stderrLogger(instance: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ level, instance, message, ...fields })}\n`);
  return {
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** Stops the process dead at a crash point: prints the marker, then waits for the SIGKILL. */
function withCrashPoint(gateway: PaymentGatewayV1, point: CrashPoint): PaymentGatewayV1 {
  const hang = () => new Promise<never>(() => undefined);
  return {
    ...gateway,
    async charge(request: ChargeRequest) {
      if (point === 'before_charge') {
        out({ event: 'crash_point', point, sessionId: request.sessionId, attemptId: request.attemptId });
        return hang();
      }
      const result = await gateway.charge(request);
      out({
        event: 'crash_point',
        point,
        sessionId: request.sessionId,
        attemptId: request.attemptId,
        result: result.status,
        ...('paymentId' in result && result.paymentId ? { paymentId: result.paymentId } : {}),
      });
      return hang();
    },
  };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const logger = stderrLogger(config.instance);

  let store: CheckoutStoreV1;
  let closeStore: () => Promise<void> | void;
  if (config.store.kind === 'postgres') {
    const pg = await createPostgresStore({
      connectionString: config.store.url,
      schema: config.store.schema,
      poolConfig: { max: config.store.poolMax },
    });
    store = pg;
    closeStore = () => pg.close();
  } else {
    const sqlite = createSqliteStore({ filename: config.store.file });
    store = sqlite;
    closeStore = () => sqlite.close();
  }

  const stripe = new Stripe(config.stripeKey, {
    host: config.stripeUrl.hostname,
    port: Number(config.stripeUrl.port),
    protocol: 'http',
    maxNetworkRetries: config.stripeRetries,
    timeout: 10_000,
  });
  const stripeGateway = createStripeGateway({
    stripe,
    rateLimitRetryDelayMs: 20,
    paymentLinks: {
      successUrl: 'http://127.0.0.1/paid?cs={CHECKOUT_SESSION_ID}',
      cancelUrl: 'http://127.0.0.1/cart',
    },
    authentication: {
      acquirerBin: '424242',
      acquirerCountry: 'US',
      acquirerMerchantId: 'acct_reliability',
      merchantName: 'Reliability Shop',
    },
    logger,
  });
  const gateway = config.crash ? withCrashPoint(stripeGateway, config.crash) : stripeGateway;

  const testPayments = createStripeTestPaymentsProvider(stripe, {
    secretKey: config.stripeKey,
  });
  if (!testPayments) throw new Error('the reliability server needs a test-mode stripe client');

  const catalog = createMemoryCatalog(CAMPAIGN_PRODUCTS);
  const service = createCheckoutService({
    store,
    catalog,
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway,
    clock: createSystemClock(),
    ids: { sessionId: () => `cs_${randomUUID()}`, orderId: () => `ord_${randomUUID()}` },
    logger,
    idempotencyLockSeconds: config.idempotencyLockSeconds,
    config: {
      paymentHandlers: [
        tokenizedCardHandler({ psp: 'stripe', merchantId: 'acct_emulator', environment: 'test' }),
      ],
      interventions: { supported: ['3ds'], required: [], enforcement: 'conditional' },
      supportedCurrencies: ['usd'],
      orderPermalinkBase: 'http://127.0.0.1/orders/',
      paymentLeaseSeconds: config.paymentLeaseSeconds,
      unconfirmedPaymentGraceSeconds: config.unconfirmedPaymentGraceSeconds,
    },
  });

  const webhook = createStripeWebhookHandler({
    stripe,
    webhookSecret: config.webhookSecret,
    onEvent: (event) => service.handlePaymentEvent(event),
    logger,
  });
  const node = createAcpNodeServer(
    createAcpHttpHandler({
      service,
      catalog,
      testPayments,
      apiKeys: config.apiKeys,
      webhook: { handle: (raw, signature) => webhook(raw, signature ?? undefined) },
      logger,
    }),
  );

  // Recovery before serving: anything a crash left between the charge and the order is settled first.
  const recovered = await service.recoverPendingPayments();
  const url = await node.listen({ port: config.port, host: '127.0.0.1' });

  let recovering = false;
  const timer =
    config.recoveryIntervalMs > 0
      ? setInterval(() => {
          if (recovering) return;
          recovering = true;
          service
            .recoverPendingPayments()
            .then((r) => {
              if (r.resumed > 0) out({ event: 'recovered', instance: config.instance, ...r });
            })
            .catch((e: unknown) => logger.warn('periodic recovery failed', { cause: String(e) }))
            .finally(() => {
              recovering = false;
            });
        }, config.recoveryIntervalMs)
      : undefined;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    void (async () => {
      await node.close().catch(() => undefined);
      await closeStore();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  out({
    event: 'ready',
    instance: config.instance,
    url,
    pid: process.pid,
    recovered,
    crash: config.crash ?? null,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', message: e instanceof Error ? e.stack : String(e) })}\n`,
  );
  process.exit(1);
});
