// Names README code blocks may use without declaring them: what a reader has from the surrounding text. Each
// block is its own module, so a block that declares one of these shadows it. See tooling/check-readme-code.mjs.
import type { CatalogV1, CheckoutService, CheckoutServiceDeps, PaymentGatewayV1, Product } from '@acp/core';
import type { StripeWebhookHandler } from '@acp/stripe';
import type Stripe from 'stripe';

declare global {
  /** `createCheckoutService(…)` from @acp/core (or `checkout.service`). */
  const service: CheckoutService;
  /** The other dependencies of `createCheckoutService` (`{ ...deps, store }` in a store's README). */
  const deps: CheckoutServiceDeps;
  /** A `CatalogV1`, e.g. `createMemoryCatalog(products)`. */
  const catalog: CatalogV1;
  /** What the merchant sells. */
  const products: Product[];
  /** A `PaymentGatewayV1`, e.g. `createStripeGateway({ stripe })`. */
  const gateway: PaymentGatewayV1;
  /** `new Stripe(key)`. */
  const stripe: Stripe;
  /** `createStripeWebhookHandler(…)`. */
  const stripeWebhook: StripeWebhookHandler;
  /** A request body as received (JSON-parsed). */
  const body: unknown;
  /** The Idempotency-Key of a request. */
  const idempotencyKey: string;
  /** A session total in minor units. */
  const total: number;
}
