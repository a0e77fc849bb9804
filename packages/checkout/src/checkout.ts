// createCheckout: the composition root of the toolkit in one call. Options in (products, pricing, Stripe or the
// emulator, a store, hooks); the checkout service, MCP tools, HTTP handlers and close() out.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CatalogV1,
  type CheckoutService,
  type CheckoutStoreV1,
  createCheckoutService,
  type DomainEvent,
  type Logger,
  type MerchantConfig,
  type PricingV1,
  tokenizedCardHandler,
} from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { type AcpHttpHandler, createAcpHttpHandler } from '@acp/mcp-http';
import {
  type AcpNodeServer,
  createAcpNodeListener,
  createAcpNodeServer,
  isLoopbackHost,
} from '@acp/mcp-http/node';
import {
  type AcpMcpServerFactory,
  type AcpToolRegistration,
  type AcpToolRegistrationOptions,
  type AcpToolsOptions,
  acpServerInstructions,
  createAcpMcpServerFactory,
  redact,
  redactText,
  registerAcpCheckoutTools,
} from '@acp/mcp-server';
import { createStripeGateway, createStripeWebhookHandler, type WebhookResponse } from '@acp/stripe';
import type { StripeEmulator } from '@acp/stripe-emulator';
import type { McpServer } from '@modelcontextprotocol/server';
import type Stripe from 'stripe';
import { nodeSha256Hex } from './digest.js';
import { type CheckoutOptions, currenciesOf, validateOptions } from './options.js';
import { type PaymentsInfo, setUpPayments } from './payments.js';
import { openStore } from './stores.js';

export interface Checkout {
  /** The ACP checkout engine (`@acp/core`): sessions, orders, refunds, payment events. */
  readonly service: CheckoutService;
  readonly catalog: CatalogV1;
  readonly store: CheckoutStoreV1;
  /** How payments are taken: `emulator` (simulated, with `warning`), Stripe `test` or `live`. */
  readonly payments: PaymentsInfo;
  /** The `stripe` client in use (the emulator's when simulated). */
  readonly stripe: Stripe;
  /** The in-process Stripe emulator when simulated (its hosted pages, webhook deliveries, test controls). */
  readonly emulator: StripeEmulator | undefined;

  /**
   * The options of the checkout tools, for any MCP server: `registerAcpCheckoutTools(server, checkout.mcpTools)`
   * (SDK v2), `registerAcpCheckoutToolsSdk1(server, checkout.mcpTools)` (`@acp/mcp-sdk1`, SDK 1.x),
   * `createAcpCheckoutTools(checkout.mcpTools)` (other frameworks).
   */
  readonly mcpTools: AcpToolsOptions;
  /** Registers the checkout tools on your SDK v2 `McpServer`, next to its own tools. */
  registerTools(
    server: McpServer,
    options?: Pick<AcpToolRegistrationOptions, 'callerOf' | 'canReadBuyerDetails'>,
  ): AcpToolRegistration;
  /** A standalone checkout MCP server per call (`serveAcpStdio(checkout.mcpServer)`, one per HTTP request). */
  readonly mcpServer: AcpMcpServerFactory;
  /** The checkout walkthrough for a model, to add to your server's instructions. */
  readonly instructions: string;

  /**
   * REST (`/checkout_sessions…`), MCP (`/mcp`), discovery and the Stripe webhook on one origin (`@acp/mcp-http`),
   * built on first use: its construction errors (e.g. a public `publicUrl` without `http.apiKeys`) are thrown
   * by that first access.
   */
  readonly http: AcpHttpHandler;
  /** The web-standard handler, `Request → Response` (Hono, Next.js route handlers, Workers, Bun, Deno). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The same as a Node request listener (`http.createServer`, Express `app.use`, before any body parser). */
  readonly node: (req: IncomingMessage, res: ServerResponse) => void;
  /** The Stripe webhook alone: raw body and `Stripe-Signature` in, `{ status, body }` out. */
  webhook(rawBody: string | Uint8Array, signature: string | undefined): Promise<WebhookResponse>;
  /** Where the handler is mounted, e.g. `/webhooks/stripe` (Stripe's endpoint is `<publicUrl><webhookPath>`). */
  readonly webhookPath: string;

  /**
   * Serves `http` on its own Node server (`127.0.0.1`, an ephemeral port by default) and resolves with its URL.
   * Also calls `setServerUrl` with it.
   */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /**
   * Tells the checkout the local URL its handler is served at (when you serve `fetch` or `node` yourself): the
   * emulator then delivers its webhooks to `<url><webhookPath>`, and without `publicUrl` order and payment-link
   * URLs use it.
   */
  setServerUrl(url: string): void;
  /** Stops the timers, the HTTP server, the emulator and the stores this package opened; waits for running hooks. */
  close(): Promise<void>;
}

const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

/** Warnings and errors as one JSON line on stderr, card data redacted. */
function stderrLogger(): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, msg: redactText(message), ...(redact(fields ?? {}) as object) })}\n`,
    );
  };
  return { warn: write('warn'), error: write('error') };
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'store';

/**
 * Everything a merchant needs for ACP checkout, from one call. Validates the options first (a `CheckoutError`
 * `invalid_options` lists every problem with its option path), opens the store, checks the Stripe key (or starts
 * the emulator, with a warning), resumes interrupted payments, then returns.
 */
export async function createCheckout(options: CheckoutOptions): Promise<Checkout> {
  validateOptions(options);
  const logger = options.logger ?? stderrLogger();
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    return await build(options, logger, closers, closeAll);
  } catch (e) {
    await closeAll();
    throw e;
  }
}

async function build(
  options: CheckoutOptions,
  logger: Logger,
  closers: (() => Promise<void> | void)[],
  closeAll: () => Promise<void>,
): Promise<Checkout> {
  const name = options.name ?? 'Store';
  const webhookPath = options.http?.webhookPath ?? '/webhooks/stripe';
  let serverUrl: string | undefined;
  const baseUrl = () => (options.publicUrl ?? serverUrl ?? 'http://localhost').replace(/\/+$/, '');

  // ------------------------------------------------------------------------------------------ store, catalog
  const opened = await openStore(options.store);
  closers.push(() => opened.close());
  const catalog: CatalogV1 = options.catalog ?? createMemoryCatalog(options.products ?? []);
  const pricing: PricingV1 =
    options.pricing ??
    createFlatRatePricing({
      taxRateBps: options.tax?.rateBps ?? 0,
      taxShipping: options.tax?.shipping === true,
      ...(options.shipping?.rates ? { shippingRates: [...options.shipping.rates] } : {}),
      ...(options.shipping?.freeOver !== undefined ? { freeShippingOver: options.shipping.freeOver } : {}),
      ...(options.shipping?.digital ? { digitalOption: options.shipping.digital } : {}),
    });

  // ------------------------------------------------------------------------------------------ payments
  const payments = await setUpPayments(options, logger, name);
  closers.push(() => payments.close());
  const links =
    options.paymentLinks === false
      ? undefined
      : (options.paymentLinks ?? {
          // Read when a link is made, so a URL learned at listen() is used.
          get successUrl() {
            return `${baseUrl()}/?checkout_session={CHECKOUT_SESSION_ID}`;
          },
          get cancelUrl() {
            return `${baseUrl()}/`;
          },
        });
  const gateway = createStripeGateway({
    stripe: payments.stripe,
    ...(links ? { paymentLinks: links } : {}),
    ...(payments.authentication ? { authentication: payments.authentication } : {}),
    logger,
  });

  // ------------------------------------------------------------------------------------------ engine
  const hooks = new Set<Promise<unknown>>();
  let closing = false;
  const runHook = (hook: string, call: () => unknown, about?: Record<string, unknown>) => {
    // Nothing runs after close() began (it would run after close() resolved): said, with what it was about.
    if (closing) {
      logger.error(`${hook} not run: the checkout is closing`, about ?? {});
      return;
    }
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(call());
    } catch (e) {
      pending = Promise.reject(e);
    }
    const tracked = pending
      .catch((e: unknown) => {
        logger.error(`${hook} failed`, { error: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => hooks.delete(tracked));
    hooks.add(tracked);
  };
  const merchant: MerchantConfig = {
    paymentHandlers: [
      tokenizedCardHandler({
        psp: 'stripe',
        merchantId: payments.info.accountId,
        environment: payments.info.mode === 'live' ? 'production' : 'test',
      }),
    ],
    interventions: {
      supported: payments.authentication ? ['3ds'] : [],
      required: [],
      enforcement: 'conditional',
    },
    supportedCurrencies: currenciesOf(options.currency),
    orderPermalinkBase: `${baseUrl()}/orders/`,
    orderPermalink:
      options.merchant?.orderPermalink ?? ((orderId) => `${baseUrl()}/orders/${encodeURIComponent(orderId)}`),
    ...(options.merchant?.links ? { links: options.merchant.links } : {}),
    ...(options.merchant?.support ? { support: options.merchant.support } : {}),
    ...(options.merchant?.sessionTtlSeconds ? { sessionTtlSeconds: options.merchant.sessionTtlSeconds } : {}),
    ...(options.merchant?.paymentLeaseSeconds
      ? { paymentLeaseSeconds: options.merchant.paymentLeaseSeconds }
      : {}),
    ...(options.merchant?.paymentLinkTtlSeconds
      ? { paymentLinkTtlSeconds: options.merchant.paymentLinkTtlSeconds }
      : {}),
  };
  const service = createCheckoutService({
    store: opened.store,
    catalog,
    pricing,
    gateway,
    clock: createSystemClock(),
    ids: { sessionId: () => randomId('cs'), orderId: () => randomId('ord') },
    digest: nodeSha256Hex,
    events: {
      version: 1,
      emit(event: DomainEvent) {
        if (event.type === 'order_created' && options.onOrder) {
          const onOrder = options.onOrder;
          runHook('onOrder', () => onOrder(event.order), { order: event.order.order.id });
        }
        if (options.onEvent) {
          const onEvent = options.onEvent;
          runHook('onEvent', () => onEvent(event));
        }
      },
    },
    logger,
    config: merchant,
  });
  closers.push(async () => {
    closing = true;
    await Promise.all([...hooks]);
  });

  const webhook = createStripeWebhookHandler({
    stripe: payments.stripe,
    webhookSecret: payments.webhookSecret,
    onEvent: (event) => service.handlePaymentEvent(event),
    logger,
  });

  // ------------------------------------------------------------------------------------------ MCP
  const mcpTools: AcpToolsOptions = {
    service,
    catalog,
    ...(payments.testPayments ? { testPayments: payments.testPayments } : {}),
    paymentLinks: links !== undefined,
    ...(options.mcp?.chatgptCompleteCheckout !== undefined
      ? { chatgptCompleteCheckout: options.mcp.chatgptCompleteCheckout }
      : {}),
    ...(options.mcp?.requireIdempotencyKey !== undefined
      ? { requireIdempotencyKey: options.mcp.requireIdempotencyKey }
      : {}),
    ...(options.requestSigning ? { requestSigning: options.requestSigning } : {}),
    logger,
  };
  const mcpServer = createAcpMcpServerFactory({
    ...mcpTools,
    name: options.mcp?.name ?? slug(name),
    version: options.mcp?.version ?? '1.0.0',
  });

  // ------------------------------------------------------------------------------------------ HTTP (lazy)
  let http: AcpHttpHandler | undefined;
  let node: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let nodeServer: AcpNodeServer | undefined;
  const httpHandler = (): AcpHttpHandler => {
    if (http) return http;
    const h = options.http ?? {};
    // The public host is allowed by default (plus the machine's own names, for a loopback bind behind a proxy).
    const publicHost = options.publicUrl ? new URL(options.publicUrl).hostname : undefined;
    const allowedHosts =
      h.allowedHosts ??
      (publicHost && !isLoopbackHost(publicHost)
        ? [publicHost, 'localhost', '127.0.0.1', '[::1]']
        : undefined);
    http = createAcpHttpHandler({
      service,
      catalog,
      mcp: mcpServer,
      ...(h.apiKeys ? { apiKeys: h.apiKeys } : {}),
      ...(h.verifyToken ? { verifyToken: h.verifyToken } : {}),
      ...(allowedHosts ? { allowedHosts } : {}),
      ...(h.allowedOrigins ? { allowedOrigins: h.allowedOrigins } : {}),
      ...(h.allowUnauthenticated !== undefined ? { allowUnauthenticated: h.allowUnauthenticated } : {}),
      ...(h.rateLimit !== undefined ? { rateLimit: h.rateLimit } : {}),
      ...(h.maxBodyBytes !== undefined ? { maxBodyBytes: h.maxBodyBytes } : {}),
      ...(h.discovery !== undefined ? { discovery: h.discovery } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl.replace(/\/+$/, '') } : {}),
      ...(options.requestSigning ? { requestSigning: options.requestSigning } : {}),
      webhook: {
        path: webhookPath,
        signatureHeader: 'stripe-signature',
        handle: (raw, signature) => webhook(raw, signature ?? undefined),
      },
      logger,
    });
    return http;
  };
  closers.push(async () => {
    if (nodeServer) await nodeServer.close();
    else if (http) await http.close();
  });

  const webhookUrls = new Set<string>();
  const setServerUrl = (url: string) => {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new TypeError('setServerUrl needs an absolute http(s) URL');
    serverUrl = url.replace(/\/+$/, '');
    const target = `${serverUrl}${webhookPath}`;
    if (payments.emulator && !webhookUrls.has(target)) {
      webhookUrls.add(target);
      payments.emulator.addWebhookEndpoint({ url: target, secret: payments.webhookSecret as string });
    }
  };

  // ------------------------------------------------------------------------------------------ background
  const recover = async () => {
    try {
      const r = await service.recoverPendingPayments();
      if (r.resumed || r.stillPending) logger.info?.('payment recovery', r);
    } catch (e) {
      logger.warn('payment recovery failed', { error: (e as Error).message });
    }
  };
  await recover();
  if (options.background !== false) {
    const b = options.background ?? {};
    const timers = [
      setInterval(recover, (b.recoverEverySeconds ?? 30) * 1000),
      setInterval(
        () => {
          service.sweep().catch((e: Error) => logger.warn('sweep failed', { error: e.message }));
        },
        (b.sweepEverySeconds ?? 300) * 1000,
      ),
    ];
    for (const t of timers) t.unref();
    closers.push(() => {
      for (const t of timers) clearInterval(t);
    });
  }

  let closed: Promise<void> | undefined;
  return {
    service,
    catalog,
    store: opened.store,
    payments: payments.info,
    stripe: payments.stripe,
    emulator: payments.emulator,
    mcpTools,
    registerTools: (server, extra = {}) => registerAcpCheckoutTools(server, { ...mcpTools, ...extra }),
    mcpServer,
    instructions: acpServerInstructions(mcpTools),
    get http() {
      return httpHandler();
    },
    get fetch() {
      const h = httpHandler();
      return (request: Request) => h.fetch(request);
    },
    get node() {
      node ??= createAcpNodeListener(httpHandler());
      return node;
    },
    webhook,
    webhookPath,
    async listen(listenOptions = {}) {
      if (nodeServer) throw new Error('listen() was already called on this checkout');
      nodeServer = createAcpNodeServer(httpHandler());
      const url = await nodeServer.listen(listenOptions);
      setServerUrl(url);
      return url;
    },
    setServerUrl,
    close() {
      closed ??= closeAll();
      return closed;
    },
  };
}
