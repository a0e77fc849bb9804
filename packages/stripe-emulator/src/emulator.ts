// The Stripe emulator: a node:http server that speaks Stripe's v1 wire format for the subset @acp/stripe
// uses. NOT Stripe: behaviour follows Stripe's documentation (../shared/docs/stripe.md); where Stripe does
// not document something (SPT limit errors, exact Radar codes) the choice is marked "emulator reading".
//
// `startStripeEmulator` composes the parts: the model (state.ts), the routes of each resource on one router
// (routes/), fault injection (faults.ts), the hosted pages (pages.ts) and the HTTP server (server.ts).
import { defaultSptLimitError, type EmulatedError, type SptLimitViolation } from './errors.js';
import { FaultInjector, type FaultKind, type FaultRule, type FaultSettings } from './faults.js';
import { sweep } from './lifecycle.js';
import { renderPi } from './render.js';
import { accountRoutes } from './routes/account.js';
import { chargeRoutes } from './routes/charges.js';
import { checkoutSessionRoutes } from './routes/checkout-sessions.js';
import { paymentIntentRoutes } from './routes/payment-intents.js';
import { paymentMethodRoutes } from './routes/payment-methods.js';
import { refundRoutes, settleRefunds } from './routes/refunds.js';
import { Router } from './routes/router.js';
import { sharedPaymentTokenRoutes } from './routes/shared-payment-tokens.js';
import { startServer } from './server.js';
import { DEFAULT_SEARCH_LAG_MS, EMULATOR_API_VERSION, EmulatorState, type RequestLogEntry } from './state.js';
import type { DeliveryRecord, StripeEventObject, WebhookEndpoint } from './webhooks.js';

export {
  DEFAULT_SEARCH_LAG_MS,
  EMULATOR_API_VERSION,
  type EmulatedError,
  type FaultKind,
  type FaultRule,
  type FaultSettings,
  type RequestLogEntry,
  type SptLimitViolation,
};

// ------------------------------------------------------------------------------------------ options

export interface StripeEmulatorOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Public base URL for hosted pages (default `http://<host>:<port>`). */
  publicUrl?: string;
  webhooks?: WebhookEndpoint[];
  /** Delays before webhook retries (default [1000, 5000, 30000]). */
  webhookRetryDelaysMs?: readonly number[];
  /** Accept raw card numbers in API calls (Stripe refuses them unless enabled for the account). Default false. */
  allowRawCards?: boolean;
  /**
   * Emulate a LIVE-mode account, for testing live-key guards only: live keys (`sk_live_…`) are accepted
   * instead of test keys, and GET /v1/balance answers `livemode: true`. Default false (test keys only).
   */
  liveAccount?: boolean;
  faults?: FaultSettings;
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /**
   * PaymentIntent search lags writes: a PaymentIntent becomes searchable this long after it was created.
   * Stripe: "Don't use search in read-after-write flows where strict consistency is necessary. Under normal
   * operating conditions, data is searchable in less than a minute. Propagation of new or updated data can be
   * more delayed during an outage" (https://docs.stripe.com/search#data-freshness). Default 60 000 ms (the
   * normal worst case), so code that needs a charge at once must use the List API, as Stripe says. Set 0 only
   * in a test that does not depend on search freshness, and say why.
   */
  searchLagMs?: number;
  /**
   * The error an SPT confirm gets when the token cannot pay. Stripe does not document these (stripe.md §1.4);
   * the default is a 400 `invalid_request_error` with code `shared_payment_granted_token_unusable`.
   */
  sptLimitError?: (violation: SptLimitViolation) => EmulatedError;
  /**
   * The secret keys of the emulated account. When set, any other (test) key is refused as Stripe refuses an
   * unknown key: 401 `invalid_request_error` "Invalid API Key provided: sk_test_****abcd" (stripe-node raises
   * `StripeAuthenticationError`; https://docs.stripe.com/api/authentication, https://docs.stripe.com/api/errors).
   * Default: every `sk_test_`/`rk_test_` key is accepted.
   */
  acceptedKeys?: readonly string[];
  /** Account id `GET /v1/account` answers. Default `acct_emulator`. */
  accountId?: string;
}

// ------------------------------------------------------------------------------------------ public handle

export interface StripeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `new Stripe(key, emulator.stripeConfig)` points stripe-node here. */
  readonly stripeConfig: { host: string; port: number; protocol: 'http' };
  close(): Promise<void>;
  /** Replace the fault settings (the PRNG is re-seeded). */
  setFaults(faults: FaultSettings): void;
  /** Queue one-shot faults. */
  injectFaults(...rules: FaultRule[]): void;
  addWebhookEndpoint(endpoint: WebhookEndpoint): void;
  readonly webhooks: {
    pause(): void;
    resume(): void;
    /** Send held deliveries now (optionally in reverse order). Returns how many were sent. */
    flush(order?: 'fifo' | 'reverse'): number;
    /** Send an event again (a duplicate delivery). */
    redeliver(eventId: string): void;
    /** Resolves when no delivery is in flight or waiting for a retry. */
    idle(): Promise<void>;
    readonly deliveries: readonly DeliveryRecord[];
  };
  /** Every event created, oldest first. */
  events(type?: string): StripeEventObject[];
  /** Every request served: method, raw path, raw body or query, status, idempotency key. */
  readonly requests: readonly RequestLogEntry[];
  /** PaymentIntents as the API returns them, optionally filtered by status and metadata. */
  paymentIntents(filter?: { status?: string; metadata?: Record<string, string> }): Record<string, unknown>[];
  /** Settle asynchronous refunds (pm_card_pendingRefund → succeeded, pm_card_refundFail → failed). */
  settleRefunds(): void;
  /** Expire open Checkout Sessions and SPTs whose time has come (also done lazily on every request). */
  sweep(): void;
}

/** Every resource's routes, on one router (a resource's own table keeps its order: search before `:id`). */
const router = new Router(
  accountRoutes,
  paymentIntentRoutes,
  paymentMethodRoutes,
  sharedPaymentTokenRoutes,
  checkoutSessionRoutes,
  refundRoutes,
  chargeRoutes,
);

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const state = new EmulatorState(
    {
      allowRawCards: options.allowRawCards ?? false,
      liveAccount: options.liveAccount === true,
      accountId: options.accountId ?? 'acct_emulator',
      searchLagMs: options.searchLagMs ?? DEFAULT_SEARCH_LAG_MS,
      sptLimitError: options.sptLimitError ?? defaultSptLimitError,
      ...(options.acceptedKeys ? { acceptedKeys: options.acceptedKeys } : {}),
      ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    },
    options.now ?? Date.now,
    {
      endpoints: options.webhooks ?? [],
      ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    },
  );
  const faults = new FaultInjector(options.faults);
  const server = await startServer(state, router, faults, { host, port: options.port ?? 0 });
  state.baseUrl = server.url;
  const dispatcher = state.webhooks;

  return {
    url: server.url,
    host,
    port: server.port,
    stripeConfig: { host, port: server.port, protocol: 'http' },
    async close() {
      dispatcher.close();
      await server.close();
    },
    setFaults: (f) => faults.set(f),
    injectFaults: (...rules) => faults.inject(rules),
    addWebhookEndpoint(endpoint) {
      dispatcher.endpoints.push(endpoint);
    },
    webhooks: {
      pause: () => dispatcher.pause(),
      resume: () => dispatcher.resume(),
      flush: (order) => dispatcher.flush(order),
      redeliver(eventId) {
        const event = state.events.find((e) => e.id === eventId);
        if (!event) throw new Error(`No such event: ${eventId}`);
        dispatcher.redeliver(event);
      },
      idle: () => dispatcher.idle(),
      get deliveries() {
        return dispatcher.deliveries;
      },
    },
    events: (type) => state.events.filter((e) => !type || e.type === type),
    requests: state.requests,
    paymentIntents(filter = {}) {
      return [...state.intents.values()]
        .filter(
          (pi) =>
            (!filter.status || pi.status === filter.status) &&
            Object.entries(filter.metadata ?? {}).every(([k, v]) => pi.metadata[k] === v),
        )
        .map((pi) => renderPi(state, pi));
    },
    settleRefunds: () => settleRefunds(state),
    sweep: () => sweep(state),
  };
}
