// "A clear error for every bad option": each wrong option is refused before anything starts, with a typed
// CheckoutError (`invalid_options`) whose issues name the option path and what is expected; every problem is
// listed at once; secret values are never quoted.
import { describe, expect, it } from 'vitest';
import { CheckoutError, type CheckoutOptions, createCheckout, validateOptions } from '../src/index.js';

const product = {
  id: 'mug',
  name: 'Mug',
  unitAmount: 1800,
  currency: 'usd',
  fulfillment: 'physical' as const,
};

function issuesOf(options: unknown): { path: string; message: string }[] {
  try {
    validateOptions(options);
  } catch (e) {
    expect(CheckoutError.isInstance(e)).toBe(true);
    expect((e as CheckoutError).code).toBe('invalid_options');
    expect(e).toBeInstanceOf(TypeError);
    return [...(e as CheckoutError).issues];
  }
  return [];
}

/** [name, options (merged over a valid base), expected path, expected message pattern] */
const CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['options not an object', { __replace: 42 }, '', /options object/],
  ['neither products nor catalog', { products: undefined }, 'products', /products you sell, or a catalog/],
  ['both products and catalog', { catalog: { getProducts() {}, search() {} } }, 'catalog', /not both/],
  ['empty products', { products: [] }, 'products', /at least one product/],
  ['product without id', { products: [{ ...product, id: '' }] }, 'products[0].id', /product id/],
  [
    'product price not an integer',
    { products: [{ ...product, unitAmount: 18.5 }] },
    'products[0].unitAmount',
    /integer/,
  ],
  [
    'negative price',
    { products: [{ ...product, unitAmount: -1 }] },
    'products[0].unitAmount',
    /integer from 0/,
  ],
  [
    'bad fulfillment',
    { products: [{ ...product, fulfillment: 'ship' }] },
    'products[0].fulfillment',
    /physical.*digital/,
  ],
  [
    'bad product currency',
    { products: [{ ...product, currency: 'dollars' }] },
    'products[0].currency',
    /ISO 4217/,
  ],
  ['duplicate product ids', { products: [product, product] }, 'products[1].id', /duplicate/],
  [
    'product in another currency',
    { products: [{ ...product, currency: 'eur' }] },
    'products[0].currency',
    /store's currencies \(usd\)/,
  ],
  [
    'negative stock',
    { products: [{ ...product, availableQuantity: -2 }] },
    'products[0].availableQuantity',
    /integer from 0/,
  ],
  ['image not a URL', { products: [{ ...product, images: ['mug.png'] }] }, 'products[0].images[0]', /URL/],
  [
    'catalog without search',
    { products: undefined, catalog: { getProducts() {} } },
    'catalog',
    /getProducts, search/,
  ],
  ['currency not ISO', { currency: 'US$' }, 'currency', /ISO 4217/],
  ['tax rate as a fraction', { tax: { rateBps: 0.0875 } }, 'tax.rateBps', /basis points/],
  ['tax rate above 100 %', { tax: { rateBps: 20_000 } }, 'tax.rateBps', /at most 10000/],
  ['tax typo', { tax: { rate: 875 } }, 'tax', /unknown option "rate"/],
  [
    'shipping rate without amount',
    { shipping: { rates: [{ id: 's', title: 'S', minDays: 1, maxDays: 2 }] } },
    'shipping.rates[0].amount',
    /minor units/,
  ],
  [
    'shipping days reversed',
    { shipping: { rates: [{ id: 's', title: 'S', amount: 1, minDays: 5, maxDays: 2 }] } },
    'shipping.rates[0].maxDays',
    /at least minDays/,
  ],
  ['free shipping negative', { shipping: { freeOver: -5 } }, 'shipping.freeOver', /integer from 0/],
  ['pricing with tax', { pricing: { quote() {} }, tax: { rateBps: 1 } }, 'pricing', /not both/],
  [
    'stripe key unset (env var missing)',
    { stripe: { secretKey: undefined, webhookSecret: 'whsec_x' } },
    'stripe.secretKey',
    /Stripe secret key \(sk_test_/,
  ],
  [
    'publishable key',
    { stripe: { secretKey: 'pk_test_abc', webhookSecret: 'whsec_x' } },
    'stripe.secretKey',
    /sk_test_/,
  ],
  ['webhook secret missing', { stripe: { secretKey: 'sk_test_abc' } }, 'stripe.webhookSecret', /whsec_/],
  [
    'webhook secret malformed',
    { stripe: { secretKey: 'sk_test_abc', webhookSecret: 'secret' } },
    'stripe.webhookSecret',
    /whsec_/,
  ],
  [
    'stripe typo',
    { stripe: { secretKey: 'sk_test_abc', webhookSecret: 'whsec_x', webhookSecert: 'x' } },
    'stripe',
    /unknown option "webhookSecert"/,
  ],
  [
    'raw cards with a live key',
    { stripe: { secretKey: 'sk_live_abc', webhookSecret: 'whsec_x', allowRawTestCards: true } },
    'stripe.allowRawTestCards',
    /test mode only/,
  ],
  [
    '3DS settings incomplete',
    {
      stripe: {
        secretKey: 'sk_test_abc',
        webhookSecret: 'whsec_x',
        authentication: { acquirerBin: '424242' },
      },
    },
    'stripe.authentication.acquirerCountry',
    /ISO 3166/,
  ],
  [
    'account id malformed',
    { stripe: { secretKey: 'sk_test_abc', webhookSecret: 'whsec_x', accountId: 'me' } },
    'stripe.accountId',
    /acct_/,
  ],
  [
    'emulator with stripe',
    { stripe: { secretKey: 'sk_test_abc', webhookSecret: 'whsec_x' }, emulator: {} },
    'emulator',
    /only without stripe/,
  ],
  ['store name unknown', { store: 'sqlite.db' }, 'store', /"memory", \{sqlite/],
  ['sqlite file empty', { store: { sqlite: '' } }, 'store.sqlite', /SQLite file name/],
  [
    'postgres URL of another database',
    { store: { postgres: 'mysql://db/shop' } },
    'store.postgres',
    /postgres:\/\//,
  ],
  [
    'postgres schema invalid',
    { store: { postgres: 'postgres://db/shop', schema: 'a;drop' } },
    'store.schema',
    /schema name/,
  ],
  ['store object without methods', { store: { getSession() {} } }, 'store', /CheckoutStoreV1/],
  ['onOrder not a function', { onOrder: 'email me' }, 'onOrder', /function/],
  ['publicUrl not a URL', { publicUrl: 'shop.example.com' }, 'publicUrl', /http\(s\) URL/],
  ['publicUrl not http', { publicUrl: 'ftp://shop.example.com' }, 'publicUrl', /http\(s\) URL/],
  ['name empty', { name: '' }, 'name', /non-empty/],
  ['payment link URL invalid', { paymentLinks: { successUrl: '/paid' } }, 'paymentLinks.successUrl', /URL/],
  ['payment links true', { paymentLinks: true }, 'paymentLinks', /successUrl.*or false/],
  ['api key too short', { http: { apiKeys: [{ key: 'short' }] } }, 'http.apiKeys[0].key', /16 characters/],
  ['webhook path relative', { http: { webhookPath: 'webhooks' } }, 'http.webhookPath', /starting with "\/"/],
  [
    'signing secret short',
    { requestSigning: { secrets: ['x'] } },
    'requestSigning.secrets[0]',
    /16\+ characters/,
  ],
  ['session ttl too short', { merchant: { sessionTtlSeconds: 5 } }, 'merchant.sessionTtlSeconds', /from 60/],
  [
    'background interval zero',
    { background: { recoverEverySeconds: 0 } },
    'background.recoverEverySeconds',
    /from 1/,
  ],
  ['logger without error', { logger: { warn() {} } }, 'logger', /warn, error/],
  ['unknown top-level option', { prodcts: [] }, '', /unknown option "prodcts"/],
];

describe('every bad option is a typed error naming its path', () => {
  it.each(CASES)('%s', (_name, override, path, message) => {
    const options = '__replace' in override ? override.__replace : { products: [product], ...override };
    const issues = issuesOf(options);
    const match = issues.find((i) => i.path === path && message.test(i.message));
    expect(match, JSON.stringify(issues)).toBeDefined();
  });

  it('a valid configuration passes', () => {
    expect(issuesOf({ products: [product] })).toEqual([]);
    expect(
      issuesOf({
        products: [product, { ...product, id: 'ebook', fulfillment: 'digital', currency: 'EUR' }],
        currency: ['usd', 'eur'],
        tax: { rateBps: 875, shipping: true },
        shipping: { freeOver: 7500 },
        stripe: { secretKey: 'rk_test_abc_123', webhookSecret: ['whsec_a', 'whsec_b'] },
        store: { sqlite: './shop.db' },
        onOrder: () => undefined,
        publicUrl: 'https://shop.example.com',
        paymentLinks: false,
      }),
    ).toEqual([]);
  });

  it('lists every problem at once, each with its path', () => {
    const issues = issuesOf({
      products: [{ ...product, unitAmount: -1 }],
      tax: { rateBps: 'high' },
      stripe: { secretKey: 'sk_test_abc' },
      publicUrl: 'nope',
    });
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['products[0].unitAmount', 'tax.rateBps', 'stripe.webhookSecret', 'publicUrl']),
    );
  });

  it('never quotes a secret value in the message', () => {
    const secrets = ['sk_live_Zq9secretvalue', 'whsec_Zq9secretvalue', 'pk_test_Zq9secretvalue'];
    for (const options of [
      { products: [product], stripe: { secretKey: secrets[2], webhookSecret: secrets[1] } },
      {
        products: [product],
        stripe: { secretKey: secrets[0], webhookSecret: 'nope', allowRawTestCards: true },
      },
      { products: [product], store: { postgres: 'mysql://u:Zq9secretvalue@db/shop' } },
    ]) {
      let message = '';
      try {
        validateOptions(options);
      } catch (e) {
        message = `${(e as Error).message} ${JSON.stringify((e as CheckoutError).issues)}`;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('Zq9secretvalue');
    }
  });

  it('createCheckout refuses bad options before starting anything (no emulator, no store)', async () => {
    const error = await createCheckout({
      products: [product],
      store: { sqlite: '' },
    } as CheckoutOptions).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CheckoutError.isInstance(error)).toBe(true);
    expect((error as CheckoutError).path).toBe('store.sqlite');
    expect((error as Error).message).toMatch(/^Invalid createCheckout options:\n {2}- store\.sqlite: /);
  });
});
