// createStripeGateway: core's PaymentGatewayV1 on the official stripe-node client (^23). The caller builds
// and injects `new Stripe(key, {...})`; this module never reads the environment. The factory resolves the
// options once (`gateway/context.ts`) and wires the operations, one module each:
//   gateway/credential.ts  validateCredential: the SPT shape; tokenProblem: can a granted token pay this
//   gateway/charge.ts      charge (SPT preflight, PaymentIntent create, 3DS continuation), cancelPayment
//   gateway/reconcile.ts   reconcile: the PaymentIntent, a List API scan of the send window, then search
//   gateway/links.ts       payment links: Checkout Session create / retrieve / expire
//   gateway/refunds.ts     refund, listRefunds
// Stripe objects map to core results in `outcomes.ts`, Stripe errors in `errors.ts`, metadata in
// `metadata.ts`; the SPT preview API (and every cast it needs) is in `spt.ts`.
import type { PaymentGatewayV1 } from '@acp/core';
import type Stripe from 'stripe';
import { cancelPayment, charge } from './gateway/charge.js';
import { createGatewayContext } from './gateway/context.js';
import { validateCredential } from './gateway/credential.js';
import { createPaymentLink, expirePaymentLink, retrievePaymentLink } from './gateway/links.js';
import { reconcile } from './gateway/reconcile.js';
import { listRefunds, refund } from './gateway/refunds.js';
import type { AuthenticationSettings } from './outcomes.js';
import type { SptParameterLocation } from './spt.js';

export interface GatewayLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

export interface StripeGatewayOptions {
  stripe: Stripe;
  /** Preview `Stripe-Version` for SPT calls only (token retrieve, SPT charge and its 3DS confirm). */
  sptApiVersion?: string;
  /** Where the token goes on PaymentIntent create. Default `payment_method_data` (current docs). */
  sptParameter?: SptParameterLocation;
  /** Retrieve the granted token and check its usage limits before charging. Default true. */
  validateTokenBeforeCharge?: boolean;
  /**
   * 3D Secure through the agent: the acquirer data ACP `authentication_metadata` carries (acquirer BIN,
   * country, merchant id at the acquirer, merchant name; from your acquirer / Stripe support). All four are
   * required: construction throws `invalid_argument` naming a missing one. Without this option the gateway
   * offers no 3DS to agents: payments that need it fail fast (`error_on_requires_action`) and core sends the
   * buyer to the hosted payment link, where the bank's challenge happens.
   */
  authentication?: AuthenticationSettings;
  /** Hosted payment links (Stripe Checkout). Without it the gateway offers no payment links. */
  paymentLinks?: PaymentLinkSettings;
  /**
   * How `reconcile` finds a PaymentIntent when the attempt has no payment id yet. It always lists the
   * PaymentIntents created while charges were sent under the attempt's key (the List API is read-after-write
   * consistent: https://docs.stripe.com/search#data-freshness) and matches `metadata['acp_idempotency_key']`;
   * a complete scan that finds nothing is the proof core needs to close an attempt whose key answered a 5xx.
   * When the scan is cut short (`reconcileListLimit`), `search` (default) also asks the PaymentIntent Search
   * API, which lags writes and only gives evidence; `none` skips search.
   */
  reconcileBy?: 'search' | 'none';
  /**
   * At most this many PaymentIntents are listed per `reconcile` (pages of 100). A window holding more is
   * inconclusive: the attempt is never closed on it (core keeps it pending and retries). Default 2000.
   */
  reconcileListLimit?: number;
  /** Retries of a plain 429 (stripe-node does not retry those), with the same idempotency key. Default 2. */
  rateLimitRetries?: number;
  /** Base delay between 429 retries, doubled each time. Default 500 ms. */
  rateLimitRetryDelayMs?: number;
  /** Send `description` on PaymentIntents: receives the ACP session id. Default: `Checkout <session id>`. */
  description?: (sessionId: string) => string | undefined;
  /** Clock for token expiry checks and Checkout `expires_at` (epoch ms). Default Date.now. */
  now?: () => number;
  logger?: GatewayLogger;
}

export interface PaymentLinkSettings {
  /** `{CHECKOUT_SESSION_ID}` is substituted by Stripe. */
  successUrl: string;
  cancelUrl?: string;
}

export interface StripeGateway extends PaymentGatewayV1 {
  readonly stripe: Stripe;
}

export function createStripeGateway(options: StripeGatewayOptions): StripeGateway {
  const ctx = createGatewayContext(options);
  const links = options.paymentLinks;
  return {
    version: 1,
    stripe: ctx.stripe,
    charge: (request) => charge(ctx, request),
    reconcile: (attempt, window) => reconcile(ctx, attempt, window),
    refund: (request) => refund(ctx, request),
    listRefunds: (paymentId) => listRefunds(ctx, paymentId),
    validateCredential,
    cancelPayment: (paymentId, options) => cancelPayment(ctx, paymentId, options),
    ...(links
      ? {
          createPaymentLink: (request) => createPaymentLink(ctx, links, request),
          retrievePaymentLink: (linkId) => retrievePaymentLink(ctx, linkId),
          expirePaymentLink: (linkId) => expirePaymentLink(ctx, linkId),
        }
      : {}),
  };
}
