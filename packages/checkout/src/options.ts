// The options of createCheckout: typed for the compiler, validated with zod at run time (values often come from
// the environment, where the compiler cannot see an unset variable). Every problem is reported at once, each
// with its option path; secret values are never quoted.
import type {
  CatalogV1,
  CheckoutStoreV1,
  DomainEvent,
  Link,
  Logger,
  MerchantConfig,
  OrderRecord,
  PricingV1,
  Product,
} from '@acp/core';
import type { ShippingRate } from '@acp/core/adapters';
import type { AcpHttpOptions, ApiKey } from '@acp/mcp-http';
import type { RequestSigningOptions } from '@acp/mcp-server';
import type { AuthenticationSettings } from '@acp/stripe';
import type Stripe from 'stripe';
import * as z from 'zod';
import { CheckoutError, type CheckoutOptionIssue } from './errors.js';

/** The longest interval a Node timer keeps (2^31 - 1 ms); longer ones fire every millisecond. */
const MAX_INTERVAL_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Where checkout state lives. Stores you pass are yours to close; the ones built from a name are closed by `close()`. */
export type StoreOption =
  /** In memory (the default): lost on restart. Development, tests, demos. */
  | 'memory'
  /** One SQLite file (created when missing). Needs `@acp/store-sqlite` installed. */
  | { sqlite: string }
  /** PostgreSQL, for several instances. Needs `@acp/store-postgres` installed. Schema default `acp`. */
  | { postgres: string; schema?: string }
  /** Any `CheckoutStoreV1` (e.g. one you opened with options of your own). */
  | CheckoutStoreV1;

interface StripeCommon {
  /** The endpoint's signing secret (`whsec_…`), or several during a rotation. */
  webhookSecret: string | readonly string[];
  /**
   * The Stripe account id (`acct_…`) advertised to agents in the payment handler. Default: asked from Stripe at
   * start-up (`GET /v1/account`), which also checks the key: a refused key throws `stripe_key_refused`.
   */
  accountId?: string;
  /**
   * 3D Secure through the agent: your acquirer's data (see `@acp/stripe`). Without it, payments that need 3DS go to
   * the hosted payment link, where the bank's challenge happens.
   */
  authentication?: AuthenticationSettings;
  /** Raw TEST card numbers in `collect_payment_info` (test keys only; refused with a live key). Default false. */
  allowRawTestCards?: boolean;
}

export type StripeOptions =
  | (StripeCommon & {
      /** `sk_test_…`/`rk_test_…` (test mode) or `sk_live_…`/`rk_live_…` (live: every test-only path off). */
      secretKey: string;
      /** Extra settings for the `stripe` client this package builds (timeouts, retries, a proxy's host). */
      clientConfig?: Partial<Stripe.StripeConfig>;
    })
  | (StripeCommon & {
      /** A `stripe` client you built. A client whose key cannot be read (custom authenticator) counts as live. */
      client: Stripe;
    });

export interface CheckoutOptions {
  /** What you sell (an in-memory catalog with search is built from them; stock is kept in memory). */
  products?: readonly Product[];
  /** Or your own catalog (exactly one of `products` and `catalog`). */
  catalog?: CatalogV1;
  /** ISO 4217 code(s) you sell in. Default `usd`; every product must be in one of them. */
  currency?: string | readonly string[];
  /** Flat tax in basis points (875 = 8.75 %) on each line, rounded half up; `shipping: true` taxes shipping too. */
  tax?: { rateBps: number; shipping?: boolean };
  /** Shipping rates (offered once the buyer gives an address), free shipping from a subtotal, the digital option. */
  shipping?: {
    /** Default: Standard $5.00 (4–6 days) and Express $15.00 (1–2 days). */
    rates?: readonly ShippingRate[];
    /** Free standard shipping from this subtotal of physical goods (minor units). */
    freeOver?: number;
    digital?: { id: string; title: string; description?: string };
  };
  /** Or your own pricing (instead of `tax` and `shipping`). */
  pricing?: PricingV1;
  /** Real Stripe. Omitted: the local Stripe emulator, started in-process, and a loud warning (no money moves). */
  stripe?: StripeOptions;
  /**
   * Settings of the emulator (only without `stripe`). `publicDemo: true` lets it run on a public `publicUrl` (a
   * demo that takes no money); without it, a public `publicUrl` and no Stripe key is refused at start-up.
   */
  emulator?: { allowRawCards?: boolean; publicDemo?: boolean };
  /** Default `'memory'`. */
  store?: StoreOption;
  /**
   * Called after an order is committed, without delaying the answer to the agent. At least once: deduplicate on
   * `order.order.id`. A failure is logged and never undoes the order; `close()` waits for running calls.
   */
  onOrder?: (order: OrderRecord) => unknown;
  /** Every domain event (orders, refunds, duplicate payments, …), like `onOrder`. */
  onEvent?: (event: DomainEvent) => unknown;
  /**
   * The public base URL of this checkout (`https://shop.example.com`): order permalinks (`/orders/<id>`) and where
   * hosted payment links return the buyer. Default: the URL `listen()` or `setServerUrl()` was given, else
   * `http://localhost`.
   */
  publicUrl?: string;
  /** The store's name: MCP server name, 3DS merchant name. Default `Store`. */
  name?: string;
  /** Merchant settings passed to the engine. */
  merchant?: {
    links?: Link[];
    support?: MerchantConfig['support'];
    /** An order's `permalink_url`. Default `<publicUrl>/orders/<id>`. Must be pure. */
    orderPermalink?: (orderId: string) => string;
    sessionTtlSeconds?: number;
    paymentLinkTtlSeconds?: number;
    /** How long one process owns an in-flight charge before another may resume it (default 60 s). */
    paymentLeaseSeconds?: number;
  };
  /** Hosted payment links (`create_payment_link`). Default: on, returning to `<publicUrl>/`. `false`: off. */
  paymentLinks?: { successUrl: string; cancelUrl?: string } | false;
  /** ACP request signatures on REST and MCP (one options object, one replay store). */
  requestSigning?: RequestSigningOptions;
  /** The HTTP handler (REST, `/mcp`, discovery, Stripe webhook): `@acp/mcp-http` options. */
  http?: {
    apiKeys?: readonly ApiKey[];
    verifyToken?: AcpHttpOptions['verifyToken'];
    allowedHosts?: readonly string[] | 'any';
    allowedOrigins?: readonly string[];
    allowUnauthenticated?: boolean;
    rateLimit?: AcpHttpOptions['rateLimit'];
    maxBodyBytes?: number;
    discovery?: AcpHttpOptions['discovery'];
    /** Where Stripe posts webhooks. Default `/webhooks/stripe`. */
    webhookPath?: string;
  };
  /** The MCP tools. */
  mcp?: {
    /** Server name of `mcpServer`. Default: `name`, as a slug. */
    name?: string;
    version?: string;
    chatgptCompleteCheckout?: boolean;
    requireIdempotencyKey?: boolean;
  };
  /** Resume interrupted payments and expire old sessions on timers. Default on (30 s, 5 min). `false`: off. */
  background?: { recoverEverySeconds?: number; sweepEverySeconds?: number } | false;
  /** Default: warnings and errors as one line of JSON on stderr (card data redacted). */
  logger?: Logger;
}

// ------------------------------------------------------------------------------------------- validation

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `expected ${what} (a function)`);
const hasMethods = (what: string, ...methods: string[]) =>
  z.custom<object>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    `expected ${what} (an object with ${methods.join(', ')})`,
  );
const httpUrl = (what: string) =>
  z
    .string({ error: `expected ${what} (an http(s) URL)` })
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
      error: `expected ${what} (an http(s) URL)`,
    });
const int = (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `expected ${what}: an integer from ${min}` })
    .int({ error: `expected ${what}: an integer from ${min}` })
    .min(min, { error: `expected ${what}: an integer from ${min}` })
    .max(max, { error: `expected ${what}: at most ${max}` });
const currencyCode = z
  .string({ error: 'expected an ISO 4217 currency code such as "usd"' })
  .regex(/^[A-Za-z]{3}$/, { error: 'expected an ISO 4217 currency code such as "usd"' });
const text = (what: string, max = 1000) =>
  z
    .string({ error: `expected ${what} (a non-empty string)` })
    .min(1, { error: `expected ${what} (a non-empty string)` })
    .max(max, { error: `expected ${what} of at most ${max} characters` });

const ProductSchema = z.looseObject(
  {
    id: text('a product id', 256),
    name: text('a product name'),
    description: z.string({ error: 'expected a string' }).optional(),
    unitAmount: int('a price in minor units (cents)', 0),
    currency: currencyCode,
    images: z.array(httpUrl('an image URL'), { error: 'expected an array of image URLs' }).optional(),
    url: httpUrl('a product page URL').optional(),
    sku: z.string({ error: 'expected a string' }).optional(),
    category: z.string({ error: 'expected a string' }).optional(),
    tags: z.array(z.string(), { error: 'expected an array of strings' }).optional(),
    fulfillment: z.enum(['physical', 'digital'], { error: 'expected "physical" or "digital"' }),
    availableQuantity: int('a stock quantity', 0).optional(),
    maxQuantityPerOrder: int('a maximum quantity per order', 1).optional(),
    lowStockThreshold: int('a low-stock threshold', 0).optional(),
  },
  { error: 'expected a product object' },
);

const ShippingRateSchema = z
  .strictObject(
    {
      id: text('a rate id', 256),
      title: text('a rate title'),
      amount: int('an amount in minor units', 0),
      carrier: z.string().optional(),
      minDays: int('a number of days', 0),
      maxDays: int('a number of days', 0),
      description: z.string().optional(),
    },
    { error: 'expected a shipping rate {id, title, amount, minDays, maxDays}' },
  )
  .refine((r) => r.maxDays >= r.minDays, { error: 'maxDays must be at least minDays', path: ['maxDays'] });

const STRIPE_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
const WEBHOOK_SECRET = /^whsec_\S+$/;
const webhookSecret = z.union(
  [z.string().regex(WEBHOOK_SECRET), z.array(z.string().regex(WEBHOOK_SECRET)).min(1).readonly()],
  { error: 'expected the webhook signing secret (whsec_…), or a non-empty list of them' },
);
const authentication = z.strictObject(
  {
    acquirerBin: z
      .string({ error: 'expected 6 to 11 digits' })
      .regex(/^\d{6,11}$/, { error: 'expected 6 to 11 digits' }),
    acquirerCountry: z
      .string({ error: 'expected an ISO 3166 code such as "US"' })
      .regex(/^[A-Z]{2}$/, { error: 'expected an ISO 3166 code such as "US"' }),
    acquirerMerchantId: text('the merchant id at the acquirer', 100),
    merchantName: text('the merchant name', 40),
    requestorId: z.string().optional(),
    flowPreference: z.unknown().optional(),
  },
  { error: 'expected {acquirerBin, acquirerCountry, acquirerMerchantId, merchantName}' },
);
const stripeCommon = {
  webhookSecret,
  accountId: z
    .string()
    .regex(/^acct_[A-Za-z0-9_]+$/, { error: 'expected a Stripe account id (acct_…)' })
    .optional(),
  authentication: authentication.optional(),
  allowRawTestCards: z.boolean({ error: 'expected true or false' }).optional(),
};
const StripeSchema = z.union(
  [
    z.strictObject({
      ...stripeCommon,
      secretKey: z.string().regex(STRIPE_KEY),
      clientConfig: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      ...stripeCommon,
      client: z.custom<Stripe>(
        (v) => typeof v === 'object' && v !== null && 'paymentIntents' in v,
        'expected a stripe client (new Stripe(key))',
      ),
    }),
  ],
  { error: 'expected {secretKey, webhookSecret} or {client, webhookSecret}' },
);

const StoreSchema = z.union(
  [
    z.literal('memory'),
    z.strictObject({ sqlite: text('a SQLite file name') }),
    z.strictObject({
      postgres: z.string().regex(/^postgres(ql)?:\/\//),
      schema: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)
        .optional(),
    }),
    hasMethods('a store', 'getSession', 'commit', 'idempotencyBegin'),
  ],
  {
    error:
      'expected "memory", {sqlite: "<file>"}, {postgres: "postgres://…", schema?} or a CheckoutStoreV1 object',
  },
);

const OptionsSchema = z.strictObject(
  {
    products: z
      .array(ProductSchema, { error: 'expected an array of products' })
      .min(1, { error: 'expected at least one product' })
      .optional(),
    catalog: hasMethods('a catalog', 'getProducts', 'search').optional(),
    currency: z
      .union([currencyCode, z.array(currencyCode).min(1).readonly()], {
        error: 'expected an ISO 4217 currency code such as "usd", or a non-empty list of them',
      })
      .optional(),
    tax: z
      .strictObject(
        {
          rateBps: int('a tax rate in basis points (875 = 8.75 %)', 0, 10_000),
          shipping: z.boolean({ error: 'expected true or false' }).optional(),
        },
        { error: 'expected {rateBps, shipping?}' },
      )
      .optional(),
    shipping: z
      .strictObject(
        {
          rates: z.array(ShippingRateSchema, { error: 'expected an array of shipping rates' }).optional(),
          freeOver: int('a subtotal in minor units', 0).optional(),
          digital: z
            .strictObject({
              id: text('an option id', 256),
              title: text('a title'),
              description: z.string().optional(),
            })
            .optional(),
        },
        { error: 'expected {rates?, freeOver?, digital?}' },
      )
      .optional(),
    pricing: hasMethods('a pricing port', 'quote').optional(),
    stripe: StripeSchema.optional(),
    emulator: z
      .strictObject({
        allowRawCards: z.boolean({ error: 'expected true or false' }).optional(),
        publicDemo: z.boolean({ error: 'expected true or false' }).optional(),
      })
      .optional(),
    store: StoreSchema.optional(),
    onOrder: fn('an onOrder hook').optional(),
    onEvent: fn('an onEvent hook').optional(),
    publicUrl: httpUrl('the public base URL').optional(),
    name: text('a store name', 100).optional(),
    merchant: z
      .strictObject({
        links: z.array(z.looseObject({ type: z.string(), url: httpUrl('a link URL') })).optional(),
        support: z.looseObject({}).optional(),
        orderPermalink: fn('an order permalink builder').optional(),
        sessionTtlSeconds: int('a number of seconds', 60).optional(),
        paymentLinkTtlSeconds: int('a number of seconds', 1800, 86_400).optional(),
        paymentLeaseSeconds: int('a number of seconds', 1, 3600).optional(),
      })
      .optional(),
    paymentLinks: z
      .union(
        [
          z.literal(false),
          z.strictObject({
            successUrl: httpUrl('a success URL'),
            cancelUrl: httpUrl('a cancel URL').optional(),
          }),
        ],
        { error: 'expected {successUrl, cancelUrl?} or false' },
      )
      .optional(),
    requestSigning: z
      .looseObject({
        secrets: z.array(z.string().min(16, { error: 'expected secrets of 16+ characters' })).min(1),
      })
      .optional(),
    http: z
      .strictObject({
        apiKeys: z
          .array(
            z.strictObject({
              id: z.string().optional(),
              key: z.string().min(16, { error: 'expected a key of at least 16 characters' }),
            }),
          )
          .optional(),
        verifyToken: fn('a token verifier').optional(),
        allowedHosts: z.union([z.literal('any'), z.array(z.string().min(1))]).optional(),
        allowedOrigins: z.array(z.string().min(1)).optional(),
        allowUnauthenticated: z.boolean({ error: 'expected true or false' }).optional(),
        rateLimit: z.union([z.literal(false), z.looseObject({})]).optional(),
        maxBodyBytes: int('a number of bytes', 1024).optional(),
        discovery: z.union([z.literal(false), z.looseObject({})]).optional(),
        webhookPath: z
          .string()
          .regex(/^\/[A-Za-z0-9/_.-]*$/, { error: 'expected a path starting with "/"' })
          .refine((p) => !servedPath(p), {
            error:
              'expected a path of its own: /mcp, /checkout_sessions… and /.well-known/… are the handler’s',
          })
          .optional(),
      })
      .optional(),
    mcp: z
      .strictObject({
        name: text('a server name', 100).optional(),
        version: text('a version', 50).optional(),
        chatgptCompleteCheckout: z.boolean({ error: 'expected true or false' }).optional(),
        requireIdempotencyKey: z.boolean({ error: 'expected true or false' }).optional(),
      })
      .optional(),
    background: z
      .union([
        z.literal(false),
        z.strictObject({
          recoverEverySeconds: int('a number of seconds', 1)
            .max(MAX_INTERVAL_SECONDS, {
              error: `expected at most ${MAX_INTERVAL_SECONDS} seconds (a timer's limit)`,
            })
            .optional(),
          sweepEverySeconds: int('a number of seconds', 1)
            .max(MAX_INTERVAL_SECONDS, {
              error: `expected at most ${MAX_INTERVAL_SECONDS} seconds (a timer's limit)`,
            })
            .optional(),
        }),
      ])
      .optional(),
    logger: hasMethods('a logger', 'warn', 'error').optional(),
  },
  { error: 'expected an options object' },
);

/** `['stripe', 'webhookSecret']` → `stripe.webhookSecret`; `['products', 2, 'id']` → `products[2].id`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** What zod says, in the words of this package (secret values never quoted). */
function messageOf(issue: z.core.$ZodIssue, path: string): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (path === 'stripe.secretKey')
    return 'expected a Stripe secret key (sk_test_…, sk_live_…, rk_test_… or rk_live_…)';
  if (path === 'store.postgres') return 'expected a postgres:// or postgresql:// URL';
  if (path === 'store.schema') return 'expected a PostgreSQL schema name (letters, digits, _)';
  return issue.message;
}

/** Validates the options; throws `CheckoutError` (`invalid_options`) listing every problem with its path. */
export function validateOptions(options: unknown): CheckoutOptions {
  const issues: CheckoutOptionIssue[] = [];
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = pathOf(issue.path);
      // A union whose every branch failed: report the branch the value was meant for when zod can tell.
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const branch = bestBranch(issue.errors, options, issue.path);
        if (branch) {
          for (const inner of branch) {
            const p = pathOf([...issue.path, ...inner.path]);
            issues.push({ path: p, message: messageOf(inner, p) });
          }
          continue;
        }
      }
      issues.push({ path, message: messageOf(issue, path) });
    }
  }
  const o = (typeof options === 'object' && options !== null ? options : {}) as CheckoutOptions;
  // Cross-field rules, checked even when single fields are wrong so that every problem is listed at once.
  if (o.products === undefined && o.catalog === undefined) {
    issues.push({ path: 'products', message: 'give the products you sell, or a catalog' });
  }
  if (o.products !== undefined && o.catalog !== undefined) {
    issues.push({ path: 'catalog', message: 'give either products or catalog, not both' });
  }
  if (o.pricing !== undefined && (o.tax !== undefined || o.shipping !== undefined)) {
    issues.push({ path: 'pricing', message: 'give either pricing or tax/shipping, not both' });
  }
  if (o.stripe !== undefined && o.emulator !== undefined) {
    issues.push({ path: 'emulator', message: 'emulator settings apply only without stripe' });
  }
  // Without a key the emulator takes every payment and no money moves: never silently on a public address
  // (a deploy that lost its STRIPE_SECRET_KEY would sell for nothing).
  if (
    o.stripe === undefined &&
    typeof o.publicUrl === 'string' &&
    !isLoopbackUrl(o.publicUrl) &&
    o.emulator?.publicDemo !== true
  ) {
    issues.push({
      path: 'stripe',
      message:
        'no Stripe key on a public publicUrl: payments would be SIMULATED by the emulator and orders taken unpaid. Pass stripe: { secretKey, webhookSecret }, or emulator: { publicDemo: true } for a public demo that takes no money',
    });
  }
  const clientConfig =
    o.stripe && 'secretKey' in o.stripe
      ? (o.stripe as { clientConfig?: { authenticator?: unknown } }).clientConfig
      : undefined;
  if (clientConfig?.authenticator !== undefined) {
    issues.push({
      path: 'stripe.clientConfig.authenticator',
      message: 'give either secretKey or an authenticator (through stripe.client), not both',
    });
  }
  const key = o.stripe && 'secretKey' in o.stripe ? o.stripe.secretKey : undefined;
  if (typeof key === 'string' && /^(sk|rk)_live_/.test(key) && o.stripe?.allowRawTestCards === true) {
    issues.push({
      path: 'stripe.allowRawTestCards',
      message: 'raw test cards exist in test mode only: not with a live key',
    });
  }
  if (parsed.success && Array.isArray(o.products)) {
    const currencies = currenciesOf(o.currency);
    const seen = new Set<string>();
    for (const [i, p] of o.products.entries()) {
      if (seen.has(p.id)) issues.push({ path: `products[${i}].id`, message: 'duplicate product id' });
      seen.add(p.id);
      if (!currencies.includes(p.currency.toLowerCase())) {
        issues.push({
          path: `products[${i}].currency`,
          message: `not one of the store's currencies (${currencies.join(', ')}): set the currency option`,
        });
      }
    }
  }
  if (issues.length > 0) throw new CheckoutError('invalid_options', issues);
  return options as CheckoutOptions;
}

export function currenciesOf(currency: CheckoutOptions['currency']): string[] {
  const list = currency === undefined ? ['usd'] : typeof currency === 'string' ? [currency] : [...currency];
  return [...new Set(list.map((c) => c.toLowerCase()))];
}

/**
 * For a union that failed in every branch: the issues of the branch the value was evidently meant for (an
 * object with `secretKey` is the key branch, `{sqlite}` the SQLite store), so the error names the inner field.
 */
function bestBranch(
  branches: z.core.$ZodIssue[][],
  root: unknown,
  path: readonly PropertyKey[],
): z.core.$ZodIssue[] | undefined {
  let value: unknown = root;
  for (const p of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  // The branch whose issues are all about fields inside the value (not "expected an object").
  const inside = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  if (inside.length === 0) return undefined;
  return inside.reduce((best, b) => (b.length < best.length ? b : best));
}

/** Paths the ACP handler serves itself: a webhook path there would shadow an endpoint or be shadowed. */
function servedPath(path: string): boolean {
  const p = path.replace(/\/+$/, '') || '/';
  return (
    p === '/' ||
    p === '/mcp' ||
    p.startsWith('/mcp/') ||
    p === '/checkout_sessions' ||
    p.startsWith('/checkout_sessions/') ||
    p.startsWith('/.well-known')
  );
}

/** Whether a URL points at this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}
