// Test helpers: a small catalog and a buyer that goes through REST with web-standard Requests.
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import { afterEach } from 'vitest';
import { type Checkout, type CheckoutOptions, createCheckout, type Product } from '../src/index.js';

export const V = '2026-04-17';

export const PRODUCTS: Product[] = [
  {
    id: 'ebook',
    name: 'Building MCP Servers (ebook)',
    description: 'A practical guide.',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
  },
  {
    id: 'mug',
    name: 'Stoneware Mug',
    description: 'Hand-glazed 350 ml mug.',
    unitAmount: 1800,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 3,
  },
];

export interface RestBuyer {
  fetch(request: Request): Promise<Response>;
  base: string;
  headers?: Record<string, string>;
}

export function restRequest(b: RestBuyer, path: string, body?: unknown): Request {
  return new Request(`${b.base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      host: new URL(b.base).host,
      'api-version': V,
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }),
      ...b.headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface Session {
  id: string;
  status: string;
  totals: { type: string; amount: number }[];
  order?: { id: string; permalink_url: string };
  messages?: unknown[];
}

/** Creates a ready session for the ebook over REST. */
export async function createReadySession(b: RestBuyer, email = 'ada@example.com'): Promise<Session> {
  const res = await b.fetch(
    restRequest(b, '/checkout_sessions', {
      currency: 'usd',
      line_items: [{ id: 'ebook' }],
      capabilities: { interventions: { supported: [] } },
      buyer: { email, first_name: 'Ada', last_name: 'Lovelace' },
    }),
  );
  const session = (await res.json()) as Session;
  if (res.status !== 201 || session.status !== 'ready_for_payment') {
    throw new Error(`create answered ${res.status}: ${JSON.stringify(session)}`);
  }
  return session;
}

export const totalOf = (s: Session) => s.totals.find((t) => t.type === 'total')!.amount;

/** Completes a session over REST with a Shared Payment Token. */
export async function completeWithToken(b: RestBuyer, session: Session, token: string): Promise<Session> {
  const res = await b.fetch(
    restRequest(b, `/checkout_sessions/${session.id}/complete`, {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token } },
      },
    }),
  );
  return (await res.json()) as Session;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A logger that says nothing (for tests that do not read the logs). */
export const silent = { warn() {}, error() {} };

/**
 * What a test starts and must stop: `cleanups` run after each test, newest first; `start` creates a checkout
 * (the sample products, `defaults`, then `options`) and `emulator` a separate Stripe emulator, both closed then.
 */
export function useCleanups(defaults: Partial<CheckoutOptions> = {}) {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function start(options: Partial<CheckoutOptions> = {}): Promise<Checkout> {
    const checkout = await createCheckout({ products: PRODUCTS, ...defaults, ...options } as CheckoutOptions);
    cleanups.push(() => checkout.close());
    return checkout;
  }
  async function emulator(options: Parameters<typeof startStripeEmulator>[0] = {}): Promise<StripeEmulator> {
    const e = await startStripeEmulator(options);
    cleanups.push(() => e.close());
    return e;
  }
  return { cleanups, start, emulator };
}
