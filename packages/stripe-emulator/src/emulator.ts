// The Stripe emulator: a node:http server that speaks Stripe's v1 wire format for the subset @acp/stripe
// uses. NOT Stripe: behaviour follows Stripe's documentation (../shared/docs/stripe.md); where Stripe does
// not document something (SPT limit errors, exact Radar codes) the choice is marked "emulator reading".
import { randomBytes } from 'node:crypto';

// Ids need no fresh syscall each: hex is cut from a pooled random buffer, refilled when used up.
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolAt = 0;
function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/**
 * Object id suffixes in Stripe's alphabet (letters and digits, e.g. `spt_1RgaZcFPC5QUO6ZCDVZuVA8q`). Hex
 * would make long digit runs common, and a random digit run can read as a card number.
 */
function randomBase62(chars: number): string {
  if (poolAt + chars > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  let out = '';
  for (let i = 0; i < chars; i++) out += BASE62[pool[poolAt++]! % 62];
  return out;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  DECLINES,
  type Decline,
  type Outcome,
  type TestCard,
  testCardForNumber,
  testCardForPaymentMethod,
} from './cards.js';
import {
  bool,
  type FormObject,
  type FormValue,
  fingerprint,
  list,
  obj,
  parseForm,
  str,
  strings,
} from './form.js';
import { checkoutChallengePage, checkoutPage, messagePage, threeDSecurePage } from './pages.js';
import { seededRandom } from './random.js';
import { type StripeEventObject, WebhookDispatcher, type WebhookEndpoint } from './webhooks.js';

/** Default `searchLagMs`: Stripe's search shows new data "in less than a minute" under normal conditions. */
export const DEFAULT_SEARCH_LAG_MS = 60_000;

/** The API version the emulated account is pinned to (stripe-node 23's default). Any version is accepted. */
export const EMULATOR_API_VERSION = '2026-10-28.endive';

// ------------------------------------------------------------------------------------------ faults

/**
 * Injected faults, placed where Stripe's idempotency layer puts them (https://docs.stripe.com/idempotency,
 * stripe.md §5.1: the first response is saved "after endpoint execution begins", "including 500 errors";
 * nothing is saved when the request "is rejected before the idempotency layer, such as 429 or 401"):
 * - `server_error`: a 500 once execution began, before anything took effect; SAVED under the key, so every
 *   retry with that key gets the same 500 (Idempotent-Replayed).
 * - `server_error_executed`: the request took effect (a charge happened) but the answer is a 500; SAVED.
 * - `rate_limited` (429) and `drop_connection`: before the idempotency layer; nothing executes or is saved.
 * - `lost_response`: executes and saves the real result; the client never hears back.
 * - `latency`: the request is delayed.
 * A 500 fault on a request whose key already has a saved response has no effect: Stripe replays the saved one.
 */
export type FaultKind =
  | 'latency'
  | 'server_error'
  | 'server_error_executed'
  | 'rate_limited'
  | 'drop_connection'
  | 'lost_response';

/** A one-shot fault for the next request that matches. */
export interface FaultRule {
  kind: FaultKind;
  /** HTTP method to match (default any). */
  method?: string;
  /** Path prefix (string) or pattern to match (default any API path). */
  path?: string | RegExp;
  /** How many matching requests get it (default 1). */
  times?: number;
  /** For `latency`: added delay in ms (default 200). */
  ms?: number;
}

export interface FaultSettings {
  /** Seed of the PRNG drawing rate faults and latency jitter (default 1). */
  seed?: number;
  /** Probability (0..1) that a matching request gets a fault drawn from `kinds`. */
  rate?: number;
  /** Kinds drawn for rate faults (default: server_error, rate_limited, drop_connection, lost_response). */
  kinds?: readonly FaultKind[];
  /** Requests that rate faults may hit (method + path prefix/pattern); default every API request. */
  match?: readonly { method?: string; path?: string | RegExp }[];
  /** Latency added to every API request: fixed ms or a [min, max] range drawn from the seeded PRNG. */
  latencyMs?: number | readonly [number, number];
  /** One-shot faults, consumed in order by matching requests. */
  queue?: readonly FaultRule[];
}

// ------------------------------------------------------------------------------------------ options

export interface SptLimitViolation {
  reason: 'not_found' | 'expired' | 'deactivated' | 'currency_mismatch' | 'amount_exceeds_max';
  tokenId: string;
}

export interface EmulatedError {
  status: number;
  type: string;
  code?: string;
  message: string;
  param?: string;
}

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

// ------------------------------------------------------------------------------------------ state types

type Json = Record<string, unknown>;

interface PaymentMethodRec {
  id: string;
  card: TestCard;
  expMonth: number;
  expYear: number;
  created: number;
  sptId: string | null;
}

interface GrantedTokenRec {
  id: string;
  paymentMethodId: string;
  currency: string;
  maxAmount: number;
  expiresAt: number | null;
  created: number;
  captured: number;
  deactivatedAt: number | null;
  deactivatedReason: 'consumed' | 'expired' | 'resolved' | 'revoked' | null;
  sharedMetadata: Record<string, string>;
}

interface ChargeRec {
  id: string;
  paymentIntentId: string;
  paymentMethodId: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  amountRefunded: number;
  failure?: Decline;
  blocked: boolean;
  created: number;
  metadata: Record<string, string>;
  authenticated: boolean;
}

interface PaymentIntentRec {
  id: string;
  amount: number;
  currency: string;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled';
  created: number;
  metadata: Record<string, string>;
  description: string | null;
  receiptEmail: string | null;
  paymentMethodId: string | null;
  sptId: string | null;
  latestChargeId: string | null;
  lastError: Json | null;
  returnUrl: string | null;
  errorOnRequiresAction: boolean;
  automaticPaymentMethods: Json | null;
  canceledAt: number | null;
  cancellationReason: string | null;
  checkoutSessionId: string | null;
  clientSecret: string;
}

interface CheckoutSessionRec {
  id: string;
  status: 'open' | 'complete' | 'expired';
  paymentStatus: 'paid' | 'unpaid';
  currency: string;
  lines: { name: string; description?: string; quantity: number; unitAmount: number; images: string[] }[];
  shipping?: { name: string; amount: number };
  amountSubtotal: number;
  amountTotal: number;
  customerEmail: string | null;
  clientReferenceId: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: number;
  created: number;
  metadata: Record<string, string>;
  piMetadata: Record<string, string>;
  piDescription: string | null;
  paymentIntentId: string | null;
}

interface RefundRec {
  id: string;
  chargeId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  failureReason: string | null;
  metadata: Record<string, string>;
  created: number;
  settle?: 'succeed' | 'fail';
}

interface IdemRec {
  fingerprint: string;
  inFlight: boolean;
  status?: number;
  body?: string;
}

export interface RequestLogEntry {
  method: string;
  /** The path as received (before any decoding), query string excluded. */
  path: string;
  /** The raw query string (GET) or form body (POST), as received: what a PSP would see and could log. */
  body: string;
  status: number;
  idempotencyKey?: string;
  replayed: boolean;
  fault?: FaultKind;
  stripeVersion?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
    /** Saved under the idempotency key (false for parameter validation errors, as Stripe does). */
    readonly save: boolean,
  ) {
    super(String(body.message ?? 'error'));
  }
}

/** An injected 500 after execution began: saved under the idempotency key, as Stripe does (stripe.md §5.1). */
const injectedServerError = () =>
  new ApiError(
    500,
    { type: 'api_error', message: 'An unknown error occurred (injected by the Stripe emulator).' },
    true,
  );

const invalid = (message: string, param?: string, code?: string, save = false) =>
  new ApiError(
    400,
    {
      type: 'invalid_request_error',
      message,
      ...(param ? { param } : {}),
      ...(code ? { code } : {}),
    },
    save,
  );

const missing = (kind: string, id: string, param = 'id') =>
  new ApiError(
    404,
    { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` },
    false,
  );

const RAW_CARD_REFUSAL =
  'Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. To enable raw card data APIs in test mode, see https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.';

const MIN_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50 };

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
    readonly deliveries: readonly import('./webhooks.js').DeliveryRecord[];
  };
  /** Every event created, oldest first. */
  events(type?: string): StripeEventObject[];
  /** Every request served: method, raw path, raw body or query, status, idempotency key. */
  readonly requests: readonly RequestLogEntry[];
  /** PaymentIntents as the API returns them, optionally filtered by status and metadata. */
  paymentIntents(filter?: { status?: string; metadata?: Record<string, string> }): Json[];
  /** Settle asynchronous refunds (pm_card_pendingRefund → succeeded, pm_card_refundFail → failed). */
  settleRefunds(): void;
  /** Expire open Checkout Sessions and SPTs whose time has come (also done lazily on every request). */
  sweep(): void;
}

// ------------------------------------------------------------------------------------------ implementation

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const nowMs = options.now ?? Date.now;
  const nowS = () => Math.floor(nowMs() / 1000);
  const allowRawCards = options.allowRawCards ?? false;
  const sptLimitError =
    options.sptLimitError ??
    ((v: SptLimitViolation): EmulatedError => {
      const messages: Record<SptLimitViolation['reason'], string> = {
        not_found: `No such shared_payment_granted_token: '${v.tokenId}'`,
        expired: 'This SharedPaymentToken has expired and can no longer be used to confirm a PaymentIntent.',
        deactivated: 'This SharedPaymentToken has been deactivated and can no longer be used.',
        currency_mismatch:
          "The PaymentIntent's currency does not match this SharedPaymentToken's usage limits.",
        amount_exceeds_max: "The PaymentIntent's amount exceeds this SharedPaymentToken's max_amount.",
      };
      return {
        status: v.reason === 'not_found' ? 404 : 400,
        type: 'invalid_request_error',
        code: v.reason === 'not_found' ? 'resource_missing' : 'shared_payment_granted_token_unusable',
        param: 'payment_method_data[shared_payment_granted_token]',
        message: messages[v.reason],
      };
    });

  // --- state
  const paymentMethods = new Map<string, PaymentMethodRec>();
  const tokens = new Map<string, GrantedTokenRec>();
  const intents = new Map<string, PaymentIntentRec>();
  const charges = new Map<string, ChargeRec>();
  const sessions = new Map<string, CheckoutSessionRec>();
  const refunds = new Map<string, RefundRec>();
  const idem = new Map<string, IdemRec>();
  const eventLog: StripeEventObject[] = [];
  const requests: RequestLogEntry[] = [];
  let seq = 0;
  const id = (prefix: string) => `${prefix}_${(++seq).toString(36).padStart(4, '0')}${randomBase62(14)}`;

  // --- faults
  let faults: FaultSettings = options.faults ?? {};
  let random = seededRandom(faults.seed ?? 1);
  let queue: (FaultRule & { left: number })[] = (faults.queue ?? []).map((r) => ({
    ...r,
    left: r.times ?? 1,
  }));
  const matches = (rule: { method?: string; path?: string | RegExp }, method: string, path: string) =>
    (!rule.method || rule.method.toUpperCase() === method) &&
    (rule.path === undefined ||
      (typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path)));

  function pickFault(method: string, path: string): { kind?: FaultKind; latency: number } {
    let latency = 0;
    const l = faults.latencyMs;
    if (typeof l === 'number') latency = l;
    else if (l) latency = Math.round(l[0] + random() * (l[1] - l[0]));
    const i = queue.findIndex((r) => matches(r, method, path));
    if (i !== -1) {
      const rule = queue[i]!;
      rule.left -= 1;
      if (rule.left <= 0) queue.splice(i, 1);
      // Latency is logged as a fault too (the request still executes normally, only later).
      if (rule.kind === 'latency') return { kind: 'latency', latency: latency + (rule.ms ?? 200) };
      return { kind: rule.kind, latency };
    }
    const rate = faults.rate ?? 0;
    if (rate > 0 && (!faults.match || faults.match.some((m) => matches(m, method, path)))) {
      if (random() < rate) {
        const kinds = faults.kinds ?? ['server_error', 'rate_limited', 'drop_connection', 'lost_response'];
        const kind = kinds[Math.floor(random() * kinds.length) % kinds.length];
        if (kind === 'latency') return { kind, latency: latency + 200 };
        if (kind) return { kind, latency };
      }
    }
    return { latency };
  }

  // --- webhooks and events
  const dispatcher = new WebhookDispatcher({
    endpoints: [...(options.webhooks ?? [])],
    nowSeconds: nowS,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
  });
  let currentRequest: { id: string | null; idempotency_key: string | null } = {
    id: null,
    idempotency_key: null,
  };
  function emit(type: string, object: Json, previous?: Json): void {
    const event: StripeEventObject = {
      id: id('evt'),
      object: 'event',
      type,
      created: nowS(),
      api_version: EMULATOR_API_VERSION,
      livemode: false,
      pending_webhooks: dispatcher.endpoints.length,
      request: { ...currentRequest },
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
    };
    eventLog.push(event);
    dispatcher.publish(event);
  }

  // --- renderers (API objects)
  function pmCardJson(pm: PaymentMethodRec): Json {
    return {
      brand: pm.card.brand,
      display_brand: pm.card.brand,
      last4: pm.card.number.slice(-4),
      exp_month: pm.expMonth,
      exp_year: pm.expYear,
      funding: pm.card.funding,
      country: 'US',
      fingerprint: `fp_${pm.card.number.slice(-4)}${pm.card.brand}`,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      networks: { available: [pm.card.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    };
  }
  function renderPm(pm: PaymentMethodRec): Json {
    return {
      id: pm.id,
      object: 'payment_method',
      type: 'card',
      card: pmCardJson(pm),
      billing_details: {
        address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
        email: null,
        name: null,
        phone: null,
      },
      created: pm.created,
      customer: null,
      livemode: false,
      metadata: {},
      shared_payment_granted_token: pm.sptId,
    };
  }
  function renderToken(t: GrantedTokenRec): Json {
    const pm = paymentMethods.get(t.paymentMethodId);
    return {
      id: t.id,
      object: 'shared_payment.granted_token',
      created: t.created,
      deactivated_at: t.deactivatedAt,
      deactivated_reason: t.deactivatedReason,
      livemode: false,
      agent_details: { network_business_profile: 'profile_test_emulator' },
      payment_method_details: pm
        ? { type: 'card', card: pmCardJson(pm), billing_details: renderPm(pm).billing_details }
        : null,
      usage_limits: { currency: t.currency, max_amount: t.maxAmount, expires_at: t.expiresAt },
      usage_details: { amount_captured: { currency: t.currency, value: t.captured } },
      shared_metadata: t.sharedMetadata,
      risk_details: {
        insights: {
          bot: { score: 0.01, recommended_action: 'continue' },
          card_issuer_decline: { score: 0.01, recommended_action: 'continue' },
          card_testing: { score: 0.01, recommended_action: 'continue' },
          fraudulent_dispute: { score: 0.01, recommended_action: 'continue' },
          stolen_card: { score: 0.01, recommended_action: 'continue' },
        },
      },
    };
  }
  function renderCharge(c: ChargeRec): Json {
    const pm = paymentMethods.get(c.paymentMethodId);
    return {
      id: c.id,
      object: 'charge',
      amount: c.amount,
      amount_captured: c.status === 'succeeded' ? c.amount : 0,
      amount_refunded: c.amountRefunded,
      captured: c.status === 'succeeded',
      created: c.created,
      currency: c.currency,
      failure_code: c.failure?.code ?? null,
      failure_message: c.failure?.message ?? null,
      livemode: false,
      metadata: c.metadata,
      outcome: c.blocked
        ? {
            network_status: 'not_sent_to_network',
            reason: 'highest_risk_level',
            risk_level: 'highest',
            risk_score: 95,
            seller_message: 'Stripe blocked this payment as too risky.',
            type: 'blocked',
          }
        : c.status === 'succeeded'
          ? {
              network_status: 'approved_by_network',
              reason: null,
              risk_level: 'normal',
              risk_score: 20,
              seller_message: 'Payment complete.',
              type: 'authorized',
            }
          : {
              network_status: 'declined_by_network',
              reason: c.failure?.declineCode ?? c.failure?.code ?? null,
              risk_level: 'normal',
              risk_score: 20,
              seller_message: 'The bank did not return any further details with this decline.',
              type: 'issuer_declined',
            },
      paid: c.status === 'succeeded',
      payment_intent: c.paymentIntentId,
      payment_method: c.paymentMethodId,
      payment_method_details: pm
        ? {
            type: 'card',
            card: {
              ...pmCardJson(pm),
              three_d_secure: c.authenticated
                ? { authenticated: true, result: 'authenticated', version: '2.2.0' }
                : null,
            },
          }
        : null,
      refunded: c.status === 'succeeded' && c.amountRefunded >= c.amount,
      status: c.status,
    };
  }
  function renderPi(pi: PaymentIntentRec, expand: readonly string[] = []): Json {
    const charge = pi.latestChargeId ? charges.get(pi.latestChargeId) : undefined;
    const pm = pi.paymentMethodId ? paymentMethods.get(pi.paymentMethodId) : undefined;
    const base = `${publicUrl()}/3ds/${pi.id}`;
    return {
      id: pi.id,
      object: 'payment_intent',
      amount: pi.amount,
      amount_capturable: 0,
      amount_received: pi.status === 'succeeded' ? pi.amount : 0,
      automatic_payment_methods: pi.automaticPaymentMethods,
      canceled_at: pi.canceledAt,
      cancellation_reason: pi.cancellationReason,
      capture_method: 'automatic',
      client_secret: pi.clientSecret,
      confirmation_method: 'automatic',
      created: pi.created,
      currency: pi.currency,
      description: pi.description,
      last_payment_error: pi.lastError,
      latest_charge: charge ? (expand.includes('latest_charge') ? renderCharge(charge) : charge.id) : null,
      livemode: false,
      metadata: pi.metadata,
      next_action:
        pi.status === 'requires_action'
          ? pi.returnUrl
            ? { type: 'redirect_to_url', redirect_to_url: { url: base, return_url: pi.returnUrl } }
            : {
                type: 'use_stripe_sdk',
                use_stripe_sdk: {
                  type: 'three_d_secure_redirect',
                  stripe_js: base,
                  source: pi.paymentMethodId,
                  directory_server_name: pm?.card.brand ?? 'visa',
                },
              }
          : null,
      payment_method: pm ? (expand.includes('payment_method') ? renderPm(pm) : pm.id) : null,
      payment_method_types: ['card'],
      processing: null,
      receipt_email: pi.receiptEmail,
      status: pi.status,
    };
  }
  function renderSession(s: CheckoutSessionRec, expand: readonly string[] = []): Json {
    const pi = s.paymentIntentId ? intents.get(s.paymentIntentId) : undefined;
    return {
      id: s.id,
      object: 'checkout.session',
      amount_subtotal: s.amountSubtotal,
      amount_total: s.amountTotal,
      cancel_url: s.cancelUrl,
      client_reference_id: s.clientReferenceId,
      created: s.created,
      currency: s.currency,
      customer: null,
      customer_details: s.customerEmail ? { email: s.customerEmail } : null,
      customer_email: s.customerEmail,
      expires_at: s.expiresAt,
      livemode: false,
      metadata: s.metadata,
      mode: 'payment',
      payment_intent: pi ? (expand.includes('payment_intent') ? renderPi(pi) : pi.id) : null,
      payment_status: s.paymentStatus,
      shipping_cost: s.shipping
        ? { amount_total: s.shipping.amount, amount_subtotal: s.shipping.amount, amount_tax: 0 }
        : null,
      status: s.status,
      success_url: s.successUrl,
      total_details: { amount_discount: 0, amount_shipping: s.shipping?.amount ?? 0, amount_tax: 0 },
      ui_mode: 'hosted_page',
      url: s.status === 'open' ? `${publicUrl()}/c/pay/${s.id}` : null,
    };
  }
  function renderRefund(r: RefundRec): Json {
    return {
      id: r.id,
      object: 'refund',
      amount: r.amount,
      charge: r.chargeId,
      created: r.created,
      currency: r.currency,
      failure_reason: r.failureReason,
      metadata: r.metadata,
      payment_intent: r.paymentIntentId,
      reason: r.reason,
      status: r.status,
    };
  }

  // --- lazy expiry
  function sweep(): void {
    const now = nowS();
    for (const s of sessions.values()) {
      if (s.status === 'open' && s.expiresAt <= now) {
        s.status = 'expired';
        emit('checkout.session.expired', renderSession(s));
      }
    }
    for (const t of tokens.values()) {
      if (!t.deactivatedAt && t.expiresAt !== null && t.expiresAt <= now) {
        t.deactivatedAt = now;
        t.deactivatedReason = 'expired';
        emit('shared_payment.granted_token.deactivated', renderToken(t));
      }
    }
  }

  // --- helpers
  const int = (o: FormObject, key: string, required: boolean): number | undefined => {
    const v = str(o, key);
    if (v === undefined) {
      if (required) throw invalid(`Missing required param: ${key}.`, key, 'parameter_missing');
      return undefined;
    }
    if (!/^-?\d+$/.test(v))
      throw invalid(`Invalid integer: ${v.slice(0, 32)}`, key, 'parameter_invalid_integer');
    return Number(v);
  };
  const expandOf = (o: FormObject) => list(o, 'expand').filter((x): x is string => typeof x === 'string');
  const checkParams = (o: FormObject, allowed: readonly string[]) => {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
    }
  };

  function expiryOf(card: FormObject | undefined) {
    const month = Number(str(card, 'exp_month') ?? '12');
    const year = Number(str(card, 'exp_year') ?? String(new Date(nowMs()).getUTCFullYear() + 3));
    return { month, year };
  }

  /** A PaymentMethod from raw card data (test mode with raw card data enabled only). Never echoes the number. */
  function pmFromRawCard(card: FormObject | undefined, paramPrefix: string): PaymentMethodRec {
    if (!allowRawCards) throw invalid(RAW_CARD_REFUSAL, `${paramPrefix}[number]`);
    const number = (str(card, 'number') ?? '').replace(/[\s-]/g, '');
    if (!number)
      throw invalid('Missing required param: card[number].', `${paramPrefix}[number]`, 'parameter_missing');
    const tc = testCardForNumber(number);
    const cardError = (code: string, message: string, param: string) =>
      new ApiError(402, { type: 'card_error', code, message, param }, true);
    if (tc.outcome.kind === 'decline' && tc.outcome.decline.code === 'incorrect_number') {
      throw cardError('incorrect_number', 'Your card number is incorrect.', `${paramPrefix}[number]`);
    }
    const { month, year } = expiryOf(card);
    if (!Number.isInteger(month) || month < 1 || month > 12) {
      throw cardError(
        'invalid_expiry_month',
        "Your card's expiration month is invalid.",
        `${paramPrefix}[exp_month]`,
      );
    }
    const nowYear = new Date(nowMs()).getUTCFullYear();
    const fullYear = year < 100 ? 2000 + year : year;
    if (!Number.isInteger(fullYear) || fullYear < nowYear || fullYear > nowYear + 50) {
      throw cardError(
        'invalid_expiry_year',
        "Your card's expiration year is invalid.",
        `${paramPrefix}[exp_year]`,
      );
    }
    const cvc = str(card, 'cvc');
    if (cvc !== undefined && !/^\d{3,4}$/.test(cvc)) {
      throw cardError('invalid_cvc', "Your card's security code is invalid.", `${paramPrefix}[cvc]`);
    }
    const pm: PaymentMethodRec = {
      id: id('pm'),
      card: tc,
      expMonth: month,
      expYear: fullYear,
      created: nowS(),
      sptId: null,
    };
    paymentMethods.set(pm.id, pm);
    return pm;
  }

  function pmById(pmId: string, param: string): PaymentMethodRec {
    const existing = paymentMethods.get(pmId);
    if (existing) return existing;
    const tc = testCardForPaymentMethod(pmId);
    if (!tc) throw missing('PaymentMethod', pmId, param);
    const pm: PaymentMethodRec = {
      id: pmId,
      card: tc,
      expMonth: 12,
      expYear: new Date(nowMs()).getUTCFullYear() + 3,
      created: nowS(),
      sptId: null,
    };
    paymentMethods.set(pmId, pm);
    return pm;
  }

  function tokenViolation(t: GrantedTokenRec | undefined, tokenId: string, amount: number, currency: string) {
    sweep();
    if (!t) return sptLimitError({ reason: 'not_found', tokenId });
    if (t.deactivatedAt) {
      return sptLimitError({
        reason: t.deactivatedReason === 'expired' ? 'expired' : 'deactivated',
        tokenId,
      });
    }
    if (t.currency !== currency) return sptLimitError({ reason: 'currency_mismatch', tokenId });
    if (amount > t.maxAmount - t.captured) return sptLimitError({ reason: 'amount_exceeds_max', tokenId });
    return undefined;
  }

  /** Attach the payment source named in create/confirm params. */
  function attachSource(pi: PaymentIntentRec, p: FormObject): void {
    const data = obj(p, 'payment_method_data');
    const spt = str(data, 'shared_payment_granted_token') ?? str(p, 'shared_payment_granted_token');
    const pmId = str(p, 'payment_method');
    if (spt) {
      const t = tokens.get(spt);
      const violation = tokenViolation(t, spt, pi.amount, pi.currency);
      if (violation) {
        const param = str(data, 'shared_payment_granted_token')
          ? 'payment_method_data[shared_payment_granted_token]'
          : 'shared_payment_granted_token';
        throw new ApiError(
          violation.status,
          {
            type: violation.type,
            message: violation.message,
            param: violation.param ?? param,
            ...(violation.code ? { code: violation.code } : {}),
          },
          true,
        );
      }
      const source = paymentMethods.get(t!.paymentMethodId)!;
      // "Stripe sets payment_method to a new PaymentMethod cloned from the customer's original payment method."
      const clone: PaymentMethodRec = { ...source, id: id('pm'), created: nowS(), sptId: spt };
      paymentMethods.set(clone.id, clone);
      pi.paymentMethodId = clone.id;
      pi.sptId = spt;
      return;
    }
    if (pmId) {
      pi.paymentMethodId = pmById(pmId, 'payment_method').id;
      return;
    }
    if (data) {
      const type = str(data, 'type');
      if (type !== 'card')
        throw invalid('payment_method_data[type] must be card in the emulator.', 'payment_method_data[type]');
      pi.paymentMethodId = pmFromRawCard(obj(data, 'card'), 'payment_method_data[card]').id;
    }
  }

  function cardError(
    pi: PaymentIntentRec,
    d: Decline,
    chargeId: string | null,
    expand: readonly string[],
  ): ApiError {
    const error: Json = {
      type: 'card_error',
      code: d.code,
      ...(d.declineCode ? { decline_code: d.declineCode } : {}),
      message: d.message,
      ...(chargeId ? { charge: chargeId } : {}),
      doc_url: `https://stripe.com/docs/error-codes/${d.code.replace(/_/g, '-')}`,
    };
    pi.lastError = {
      ...error,
      payment_method: pi.paymentMethodId ? renderPm(paymentMethods.get(pi.paymentMethodId)!) : null,
    };
    return new ApiError(
      402,
      {
        ...error,
        payment_intent: renderPi(pi, expand),
        ...(pi.paymentMethodId ? { payment_method: renderPm(paymentMethods.get(pi.paymentMethodId)!) } : {}),
      },
      true,
    );
  }

  /** Runs a card outcome on a PaymentIntent that has a payment method. Returns the PI or throws a 402. */
  function runOutcome(
    pi: PaymentIntentRec,
    outcome: Outcome,
    expand: readonly string[],
    authenticated: boolean,
  ): Json {
    const pm = paymentMethods.get(pi.paymentMethodId!)!;
    const newCharge = (status: ChargeRec['status'], failure?: Decline, blocked = false): ChargeRec => {
      const c: ChargeRec = {
        id: id('ch'),
        paymentIntentId: pi.id,
        paymentMethodId: pm.id,
        amount: pi.amount,
        currency: pi.currency,
        status,
        amountRefunded: 0,
        blocked,
        created: nowS(),
        metadata: pi.metadata,
        authenticated,
        ...(failure ? { failure } : {}),
      };
      charges.set(c.id, c);
      pi.latestChargeId = c.id;
      return c;
    };
    switch (outcome.kind) {
      case 'succeed': {
        const c = newCharge('succeeded');
        pi.status = 'succeeded';
        pi.lastError = null;
        if (pi.sptId) {
          const t = tokens.get(pi.sptId);
          if (t) {
            t.captured += pi.amount;
            emit('shared_payment.granted_token.used', renderToken(t));
            // One-time allowance: a captured token is consumed.
            t.deactivatedAt = nowS();
            t.deactivatedReason = 'consumed';
            emit('shared_payment.granted_token.deactivated', renderToken(t));
          }
        }
        emit('charge.succeeded', renderCharge(c));
        emit('payment_intent.succeeded', renderPi(pi));
        return renderPi(pi, expand);
      }
      case 'decline':
      case 'block': {
        const d = outcome.kind === 'decline' ? outcome.decline : DECLINES.fraudulent;
        const c = newCharge('failed', d, outcome.kind === 'block');
        pi.status = 'requires_payment_method';
        const err = cardError(pi, d, c.id, expand);
        emit('charge.failed', renderCharge(c));
        emit('payment_intent.payment_failed', renderPi(pi));
        throw err;
      }
      case 'authenticate': {
        if (authenticated) return runOutcome(pi, outcome.then, expand, true);
        if (pi.errorOnRequiresAction) {
          // "Set to true to fail the payment attempt if the PaymentIntent transitions into requires_action"
          // (https://docs.stripe.com/api/payment_intents/create#create_payment_intent-error_on_requires_action):
          // a card error `authentication_required` (https://docs.stripe.com/error-codes), PI back to
          // requires_payment_method, never requires_action.
          pi.status = 'requires_payment_method';
          const err = cardError(
            pi,
            {
              code: 'authentication_required',
              declineCode: 'authentication_required',
              message: 'Your card was declined. This transaction requires authentication.',
            },
            null,
            expand,
          );
          emit('payment_intent.payment_failed', renderPi(pi));
          throw err;
        }
        pi.status = 'requires_action';
        emit('payment_intent.requires_action', renderPi(pi));
        return renderPi(pi, expand);
      }
    }
  }

  function authenticationFailed(pi: PaymentIntentRec, expand: readonly string[]): ApiError {
    pi.status = 'requires_payment_method';
    const err = cardError(
      pi,
      {
        code: 'payment_intent_authentication_failure',
        message:
          'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      },
      null,
      expand,
    );
    emit('payment_intent.payment_failed', renderPi(pi));
    return new ApiError(400, { ...err.body, type: 'invalid_request_error' }, true);
  }

  function confirm(pi: PaymentIntentRec, p: FormObject, expand: readonly string[]): Json {
    if (pi.status === 'succeeded' || pi.status === 'canceled' || pi.status === 'processing') {
      throw invalid(
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
        undefined,
        'payment_intent_unexpected_state',
        true,
      );
    }
    const returnUrl = str(p, 'return_url');
    if (returnUrl) pi.returnUrl = returnUrl;
    const eora = bool(p, 'error_on_requires_action');
    if (eora !== undefined) pi.errorOnRequiresAction = eora;
    const tds = obj(obj(obj(p, 'payment_method_options'), 'card'), 'three_d_secure');
    if (pi.status === 'requires_action') {
      const newSource = str(p, 'payment_method') ?? obj(p, 'payment_method_data');
      if (!newSource) {
        if (!tds) return renderPi(pi, expand); // still waiting for authentication
        if (!str(tds, 'cryptogram')) {
          throw invalid(
            'Missing required param: payment_method_options[card][three_d_secure][cryptogram].',
            'payment_method_options[card][three_d_secure][cryptogram]',
            'parameter_missing',
          );
        }
        const ares = str(tds, 'ares_trans_status') ?? 'Y';
        if (!['Y', 'A', 'I'].includes(ares)) throw authenticationFailed(pi, expand);
        const pm = paymentMethods.get(pi.paymentMethodId!)!;
        return runOutcome(pi, pm.card.outcome, expand, true);
      }
    }
    attachSource(pi, p);
    if (!pi.paymentMethodId) {
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
        'payment_method',
        'payment_intent_unexpected_state',
        true,
      );
    }
    const pm = paymentMethods.get(pi.paymentMethodId)!;
    const importedAuth =
      tds !== undefined &&
      ['Y', 'A', 'I'].includes(str(tds, 'ares_trans_status') ?? 'Y') &&
      str(tds, 'cryptogram') !== undefined;
    return runOutcome(pi, pm.card.outcome, expand, importedAuth);
  }

  // --- routes
  type Handler = (ctx: { params: FormObject; match: RegExpExecArray; method: string }) => {
    status?: number;
    body: Json;
  };
  const routes: { method: string; re: RegExp; handler: Handler }[] = [];
  const route = (method: string, re: RegExp, handler: Handler) => routes.push({ method, re, handler });

  const PI_CREATE_PARAMS = [
    'amount',
    'currency',
    'confirm',
    'payment_method',
    'payment_method_data',
    'shared_payment_granted_token',
    'metadata',
    'description',
    'receipt_email',
    'automatic_payment_methods',
    'error_on_requires_action',
    'return_url',
    'expand',
    'capture_method',
    'payment_method_options',
    'payment_method_types',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'off_session',
    'setup_future_usage',
    'customer',
    'confirmation_method',
  ];

  // The account of the key (https://docs.stripe.com/api/accounts/retrieve: `GET /v1/account` without an id).
  route('GET', /^\/v1\/account$/, () => ({
    body: {
      id: options.accountId ?? 'acct_emulator',
      object: 'account',
      type: 'standard',
      country: 'US',
      default_currency: 'usd',
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
    },
  }));

  route('POST', /^\/v1\/payment_intents$/, ({ params: p }) => {
    checkParams(p, PI_CREATE_PARAMS);
    const amount = int(p, 'amount', true)!;
    const currency = (str(p, 'currency') ?? '').toLowerCase();
    if (!currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency.slice(0, 8)}.`, 'currency');
    if (amount < 1)
      throw invalid('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
    const min = MIN_AMOUNT[currency];
    if (min !== undefined && amount < min) {
      throw invalid(`Amount must be at least ${min} ${currency}`, 'amount', 'amount_too_small');
    }
    const capture = str(p, 'capture_method');
    if (capture && capture !== 'automatic' && capture !== 'automatic_async') {
      throw invalid('The emulator supports capture_method=automatic only.', 'capture_method');
    }
    if (str(p, 'confirmation_method') === 'manual') {
      throw invalid('The emulator supports confirmation_method=automatic only.', 'confirmation_method');
    }
    const apm = obj(p, 'automatic_payment_methods');
    const pi: PaymentIntentRec = {
      id: id('pi'),
      amount,
      currency,
      status: 'requires_payment_method',
      created: nowS(),
      metadata: strings(p, 'metadata'),
      description: str(p, 'description') ?? null,
      receiptEmail: str(p, 'receipt_email') ?? null,
      paymentMethodId: null,
      sptId: null,
      latestChargeId: null,
      lastError: null,
      returnUrl: str(p, 'return_url') ?? null,
      errorOnRequiresAction: bool(p, 'error_on_requires_action') ?? false,
      automaticPaymentMethods: apm
        ? {
            enabled: str(apm, 'enabled') === 'true',
            allow_redirects: str(apm, 'allow_redirects') ?? 'always',
          }
        : null,
      canceledAt: null,
      cancellationReason: null,
      checkoutSessionId: null,
      clientSecret: '',
    };
    pi.clientSecret = `${pi.id}_secret_${randomHex(12)}`;
    intents.set(pi.id, pi);
    emit('payment_intent.created', renderPi(pi));
    const expand = expandOf(p);
    if (bool(p, 'confirm')) return { body: confirm(pi, p, expand) };
    attachSource(pi, p);
    if (pi.paymentMethodId) pi.status = 'requires_confirmation';
    return { body: renderPi(pi, expand) };
  });

  route('GET', /^\/v1\/payment_intents\/search$/, ({ params: p }) => {
    const query = str(p, 'query');
    if (!query) throw invalid('Missing required param: query.', 'query', 'parameter_missing');
    const clauses = query.split(/\s+AND\s+/i).map((c) => c.trim());
    const tests: ((pi: PaymentIntentRec) => boolean)[] = [];
    for (const clause of clauses) {
      const meta = /^metadata\[['"]([^'"]+)['"]\]\s*:\s*['"]([^'"]*)['"]$/.exec(clause);
      const field = /^(status|currency|amount)\s*:\s*['"]?([^'"]*)['"]?$/.exec(clause);
      if (meta) tests.push((pi) => pi.metadata[meta[1]!] === meta[2]);
      else if (field) {
        const [, name, value] = field;
        tests.push(
          (pi) =>
            String(name === 'status' ? pi.status : name === 'currency' ? pi.currency : pi.amount) === value,
        );
      } else {
        throw invalid(`The emulator cannot parse the search clause: ${clause.slice(0, 80)}`, 'query');
      }
    }
    const limit = Math.min(100, Number(str(p, 'limit') ?? '10') || 10);
    const expand = expandOf(p).map((e) => e.replace(/^data\./, ''));
    const lag = options.searchLagMs ?? DEFAULT_SEARCH_LAG_MS;
    const found = [...intents.values()]
      .filter((pi) => pi.created * 1000 + lag <= nowMs() && tests.every((t) => t(pi)))
      .reverse();
    return {
      body: {
        object: 'search_result',
        url: '/v1/payment_intents/search',
        has_more: found.length > limit,
        next_page: null,
        data: found.slice(0, limit).map((pi) => renderPi(pi, expand)),
      },
    };
  });

  // List PaymentIntents, newest first, with `created[gte|gt|lte|lt]`, `limit` and `starting_after` (what
  // stripe-node's auto-pagination sends). https://docs.stripe.com/search#data-freshness: "Don't use search for
  // read-after-write flows … data is searchable in under 1 minute … For read-after-write flows that require
  // immediate data availability, use the various list APIs", so checks that must see a charge at once list.
  route('GET', /^\/v1\/payment_intents$/, ({ params: p }) => {
    const created = obj(p, 'created');
    const bound = (k: string) => {
      const v = str(created, k);
      return v === undefined ? undefined : Number(v);
    };
    const [gte, gt, lte, lt] = [bound('gte'), bound('gt'), bound('lte'), bound('lt')];
    let found = [...intents.values()]
      .filter(
        (pi) =>
          (gte === undefined || pi.created >= gte) &&
          (gt === undefined || pi.created > gt) &&
          (lte === undefined || pi.created <= lte) &&
          (lt === undefined || pi.created < lt),
      )
      .reverse();
    const after = str(p, 'starting_after');
    if (after) {
      const at = found.findIndex((pi) => pi.id === after);
      if (at < 0) throw missing('payment_intent', after, 'starting_after');
      found = found.slice(at + 1);
    }
    const limit = Math.max(1, Math.min(100, Number(str(p, 'limit') ?? '10') || 10));
    const expand = expandOf(p).map((e) => e.replace(/^data\./, ''));
    return {
      body: {
        object: 'list',
        url: '/v1/payment_intents',
        has_more: found.length > limit,
        data: found.slice(0, limit).map((pi) => renderPi(pi, expand)),
      },
    };
  });

  const piOr404 = (piId: string) => {
    const pi = intents.get(piId);
    if (!pi) throw missing('payment_intent', piId, 'intent');
    return pi;
  };

  route('GET', /^\/v1\/payment_intents\/([^/]+)$/, ({ params: p, match }) => ({
    body: renderPi(piOr404(match[1]!), expandOf(p)),
  }));

  route('POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, ({ params: p, match }) => {
    checkParams(p, [
      'payment_method',
      'payment_method_data',
      'shared_payment_granted_token',
      'return_url',
      'expand',
      'error_on_requires_action',
      'payment_method_options',
      'receipt_email',
      'off_session',
      'setup_future_usage',
      'payment_method_types',
    ]);
    return { body: confirm(piOr404(match[1]!), p, expandOf(p)) };
  });

  route('POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, ({ params: p, match }) => {
    checkParams(p, ['cancellation_reason', 'expand']);
    const pi = piOr404(match[1]!);
    if (pi.status === 'succeeded' || pi.status === 'canceled') {
      throw invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
        undefined,
        'payment_intent_unexpected_state',
        true,
      );
    }
    pi.status = 'canceled';
    pi.canceledAt = nowS();
    pi.cancellationReason = str(p, 'cancellation_reason') ?? null;
    emit('payment_intent.canceled', renderPi(pi));
    return { body: renderPi(pi, expandOf(p)) };
  });

  // https://docs.stripe.com/api/balance/balance_object: `livemode` tells test from live accounts.
  route('GET', /^\/v1\/balance$/, () => ({
    body: {
      object: 'balance',
      available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      livemode: options.liveAccount === true,
    },
  }));

  route('GET', /^\/v1\/payment_methods\/([^/]+)$/, ({ match }) => ({
    body: renderPm(pmById(match[1]!, 'payment_method')),
  }));

  route('POST', /^\/v1\/payment_methods$/, ({ params: p }) => {
    checkParams(p, ['type', 'card', 'billing_details', 'metadata', 'expand']);
    if (str(p, 'type') !== 'card') throw invalid('The emulator creates card PaymentMethods only.', 'type');
    const card = obj(p, 'card');
    if (!allowRawCards || !str(card, 'number')) {
      const token = str(card, 'token');
      if (token)
        throw invalid(
          'The emulator does not support card[token]; use a pm_card_* test PaymentMethod.',
          'card[token]',
        );
    }
    const pm = pmFromRawCard(card, 'card');
    return { body: renderPm(pm) };
  });

  route('POST', /^\/v1\/test_helpers\/shared_payment\/granted_tokens$/, ({ params: p }) => {
    checkParams(p, [
      'payment_method',
      'usage_limits',
      'customer',
      'shared_metadata',
      'seller_details',
      'expand',
    ]);
    const pmId = str(p, 'payment_method');
    if (!pmId)
      throw invalid('Missing required param: payment_method.', 'payment_method', 'parameter_missing');
    const limits = obj(p, 'usage_limits');
    if (!limits) throw invalid('Missing required param: usage_limits.', 'usage_limits', 'parameter_missing');
    const currency = (str(limits, 'currency') ?? '').toLowerCase();
    if (!currency)
      throw invalid(
        'Missing required param: usage_limits[currency].',
        'usage_limits[currency]',
        'parameter_missing',
      );
    const maxAmount = int(limits, 'max_amount', true)!;
    if (maxAmount < 1)
      throw invalid('usage_limits[max_amount] must be positive.', 'usage_limits[max_amount]');
    const expiresAt = int(limits, 'expires_at', false);
    if (expiresAt !== undefined && expiresAt <= nowS()) {
      throw invalid('usage_limits[expires_at] must be in the future.', 'usage_limits[expires_at]');
    }
    const pm = pmById(pmId, 'payment_method');
    const t: GrantedTokenRec = {
      id: id('spt'),
      paymentMethodId: pm.id,
      currency,
      maxAmount,
      expiresAt: expiresAt ?? null,
      created: nowS(),
      captured: 0,
      deactivatedAt: null,
      deactivatedReason: null,
      sharedMetadata: strings(p, 'shared_metadata'),
    };
    tokens.set(t.id, t);
    return { body: renderToken(t) };
  });

  const tokenOr404 = (tokenId: string) => {
    sweep();
    const t = tokens.get(tokenId);
    if (!t) throw missing('shared_payment_granted_token', tokenId);
    return t;
  };

  route('POST', /^\/v1\/test_helpers\/shared_payment\/granted_tokens\/([^/]+)\/revoke$/, ({ match }) => {
    const t = tokenOr404(match[1]!);
    if (!t.deactivatedAt) {
      t.deactivatedAt = nowS();
      t.deactivatedReason = 'revoked';
      emit('shared_payment.granted_token.deactivated', renderToken(t));
    }
    return { body: renderToken(t) };
  });

  route('GET', /^\/v1\/shared_payment\/granted_tokens\/([^/]+)$/, ({ match }) => ({
    body: renderToken(tokenOr404(match[1]!)),
  }));

  const CS_PARAMS = [
    'mode',
    'line_items',
    'customer_email',
    'success_url',
    'cancel_url',
    'expires_at',
    'client_reference_id',
    'metadata',
    'payment_intent_data',
    'shipping_options',
    'currency',
    'ui_mode',
    'locale',
    'submit_type',
    'expand',
    'payment_method_types',
    'billing_address_collection',
    'phone_number_collection',
  ];

  route('POST', /^\/v1\/checkout\/sessions$/, ({ params: p }) => {
    checkParams(p, CS_PARAMS);
    const mode = str(p, 'mode');
    if (!mode) throw invalid('Missing required param: mode.', 'mode', 'parameter_missing');
    if (mode !== 'payment') throw invalid('The emulator supports mode=payment only.', 'mode');
    const ui = str(p, 'ui_mode');
    if (ui && ui !== 'hosted_page' && ui !== 'hosted')
      throw invalid('The emulator supports hosted Checkout only.', 'ui_mode');
    const items = list(p, 'line_items');
    if (items.length === 0)
      throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
    let currency = str(p, 'currency')?.toLowerCase();
    const lines: CheckoutSessionRec['lines'] = items.map((raw, i) => {
      const item = typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
      const param = `line_items[${i}]`;
      if (str(item, 'price'))
        throw invalid(
          'The emulator supports line_items[][price_data] only (no Price objects).',
          `${param}[price]`,
        );
      const pd = obj(item, 'price_data');
      if (!pd)
        throw invalid(
          `Missing required param: ${param}[price_data].`,
          `${param}[price_data]`,
          'parameter_missing',
        );
      const c = (str(pd, 'currency') ?? '').toLowerCase();
      if (!c)
        throw invalid(
          `Missing required param: ${param}[price_data][currency].`,
          `${param}[price_data][currency]`,
          'parameter_missing',
        );
      if (currency && currency !== c)
        throw invalid('All line items must use the same currency.', `${param}[price_data][currency]`);
      currency = c;
      const unitAmount = int(pd, 'unit_amount', true)!;
      const quantity = int(item, 'quantity', true)!;
      if (quantity < 1) throw invalid('Quantity must be at least 1.', `${param}[quantity]`);
      const product = obj(pd, 'product_data');
      const name = str(product, 'name');
      if (!name)
        throw invalid(
          `Missing required param: ${param}[price_data][product_data][name].`,
          `${param}[price_data][product_data][name]`,
          'parameter_missing',
        );
      const description = str(product, 'description');
      return {
        name,
        ...(description ? { description } : {}),
        quantity,
        unitAmount,
        images: list(product, 'images').filter((x): x is string => typeof x === 'string'),
      };
    });
    let shipping: CheckoutSessionRec['shipping'];
    const so = list(p, 'shipping_options')[0];
    if (so && typeof so === 'object' && !Array.isArray(so)) {
      const rate = obj(so, 'shipping_rate_data');
      const fixed = obj(rate, 'fixed_amount');
      if (!rate || !fixed)
        throw invalid(
          'The emulator supports shipping_options[][shipping_rate_data] with a fixed_amount only.',
          'shipping_options[0]',
        );
      shipping = { name: str(rate, 'display_name') ?? 'Shipping', amount: int(fixed, 'amount', true)! };
    }
    const now = nowS();
    const expiresAt = int(p, 'expires_at', false) ?? now + 24 * 3600;
    if (expiresAt < now + 30 * 60 - 5 || expiresAt > now + 24 * 3600 + 5) {
      throw invalid(
        'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
        'expires_at',
      );
    }
    const subtotal = lines.reduce((a, l) => a + l.unitAmount * l.quantity, 0);
    const pid = obj(p, 'payment_intent_data');
    const s: CheckoutSessionRec = {
      id: `cs_test_${(++seq).toString(36)}${randomHex(12)}`,
      status: 'open',
      paymentStatus: 'unpaid',
      currency: currency!,
      lines,
      ...(shipping ? { shipping } : {}),
      amountSubtotal: subtotal,
      amountTotal: subtotal + (shipping?.amount ?? 0),
      customerEmail: str(p, 'customer_email') ?? null,
      clientReferenceId: str(p, 'client_reference_id') ?? null,
      successUrl: str(p, 'success_url') ?? null,
      cancelUrl: str(p, 'cancel_url') ?? null,
      expiresAt,
      created: now,
      metadata: strings(p, 'metadata'),
      piMetadata: strings(pid, 'metadata'),
      piDescription: str(pid, 'description') ?? null,
      paymentIntentId: null,
    };
    sessions.set(s.id, s);
    return { body: renderSession(s, expandOf(p)) };
  });

  const sessionOr404 = (sid: string) => {
    sweep();
    const s = sessions.get(sid);
    if (!s) throw missing('checkout.session', sid, 'session');
    return s;
  };

  route('GET', /^\/v1\/checkout\/sessions$/, ({ params: p }) => {
    sweep();
    const piFilter = str(p, 'payment_intent');
    const found = [...sessions.values()].filter((s) => !piFilter || s.paymentIntentId === piFilter).reverse();
    const limit = Math.min(100, Number(str(p, 'limit') ?? '10') || 10);
    return {
      body: {
        object: 'list',
        url: '/v1/checkout/sessions',
        has_more: found.length > limit,
        data: found.slice(0, limit).map((s) => renderSession(s)),
      },
    };
  });

  route('GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, ({ params: p, match }) => ({
    body: renderSession(sessionOr404(match[1]!), expandOf(p)),
  }));

  route('POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, ({ params: p, match }) => {
    const s = sessionOr404(match[1]!);
    if (s.status !== 'open') {
      throw invalid(
        `This Checkout Session is ${s.status}; only open Checkout Sessions can be expired.`,
        undefined,
        'checkout_session_unexpected_state',
        true,
      );
    }
    s.status = 'expired';
    emit('checkout.session.expired', renderSession(s));
    return { body: renderSession(s, expandOf(p)) };
  });

  route('POST', /^\/v1\/refunds$/, ({ params: p }) => {
    checkParams(p, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand']);
    const piId = str(p, 'payment_intent');
    const chId = str(p, 'charge');
    let charge: ChargeRec | undefined;
    if (piId) {
      const pi = piOr404(piId);
      charge = pi.status === 'succeeded' && pi.latestChargeId ? charges.get(pi.latestChargeId) : undefined;
      if (!charge)
        throw invalid(
          `This PaymentIntent (${piId}) does not have a successful charge to refund.`,
          'payment_intent',
          undefined,
          true,
        );
    } else if (chId) {
      charge = charges.get(chId);
      if (!charge) throw missing('charge', chId, 'charge');
    } else {
      throw invalid(
        'One of the following params should be provided for this request: payment_intent or charge.',
        undefined,
        'parameter_missing',
      );
    }
    const reason = str(p, 'reason');
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) {
      throw invalid(
        'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
        'reason',
      );
    }
    const remaining = charge.amount - charge.amountRefunded;
    if (remaining <= 0)
      throw invalid(
        `Charge ${charge.id} has already been refunded.`,
        undefined,
        'charge_already_refunded',
        true,
      );
    const amount = int(p, 'amount', false) ?? remaining;
    if (amount < 1) throw invalid('Refund amount must be positive.', 'amount');
    if (amount > remaining) {
      throw invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
        true,
      );
    }
    const behaviour = paymentMethods.get(charge.paymentMethodId)?.card.refund;
    const r: RefundRec = {
      id: id('re'),
      chargeId: charge.id,
      paymentIntentId: charge.paymentIntentId,
      amount,
      currency: charge.currency,
      reason: reason ?? null,
      status: behaviour === 'pending_then_succeeded' ? 'pending' : 'succeeded',
      failureReason: null,
      metadata: strings(p, 'metadata'),
      created: nowS(),
      ...(behaviour === 'pending_then_succeeded' ? { settle: 'succeed' as const } : {}),
      ...(behaviour === 'succeeded_then_failed' ? { settle: 'fail' as const } : {}),
    };
    refunds.set(r.id, r);
    charge.amountRefunded += amount;
    emit('refund.created', renderRefund(r));
    emit('charge.refunded', renderCharge(charge));
    return { body: renderRefund(r) };
  });

  route('GET', /^\/v1\/refunds$/, ({ params: p }) => {
    const ch = str(p, 'charge');
    const pi = str(p, 'payment_intent');
    const found = [...refunds.values()]
      .filter((r) => (!ch || r.chargeId === ch) && (!pi || r.paymentIntentId === pi))
      .reverse();
    const limit = Math.min(100, Number(str(p, 'limit') ?? '10') || 10);
    return {
      body: {
        object: 'list',
        url: '/v1/refunds',
        has_more: found.length > limit,
        data: found.slice(0, limit).map(renderRefund),
      },
    };
  });

  route('GET', /^\/v1\/refunds\/([^/]+)$/, ({ match }) => {
    const r = refunds.get(match[1]!);
    if (!r) throw missing('refund', match[1]!);
    return { body: renderRefund(r) };
  });

  route('GET', /^\/v1\/charges\/([^/]+)$/, ({ match }) => {
    const c = charges.get(match[1]!);
    if (!c) throw missing('charge', match[1]!, 'charge');
    return { body: renderCharge(c) };
  });

  // --- hosted pages
  function payCheckout(
    s: CheckoutSessionRec,
    pmId: string,
    step: 'pay' | 'authenticated' = 'pay',
  ): { ok: true } | { ok: false; message: string } | { challenge: PaymentIntentRec } {
    let pi = s.paymentIntentId ? intents.get(s.paymentIntentId) : undefined;
    if (!pi) {
      pi = {
        id: id('pi'),
        amount: s.amountTotal,
        currency: s.currency,
        status: 'requires_payment_method',
        created: nowS(),
        metadata: s.piMetadata,
        description: s.piDescription,
        receiptEmail: s.customerEmail,
        paymentMethodId: null,
        sptId: null,
        latestChargeId: null,
        lastError: null,
        returnUrl: null,
        errorOnRequiresAction: false,
        automaticPaymentMethods: null,
        canceledAt: null,
        cancellationReason: null,
        checkoutSessionId: s.id,
        clientSecret: '',
      };
      pi.clientSecret = `${pi.id}_secret_${randomHex(12)}`;
      intents.set(pi.id, pi);
      s.paymentIntentId = pi.id;
      emit('payment_intent.created', renderPi(pi));
    }
    const pm = pmById(pmId, 'payment_method');
    pi.paymentMethodId = pm.id;
    if (pm.card.outcome.kind === 'authenticate' && step === 'pay') {
      // Checkout shows the issuer's 3D Secure challenge in the page before paying
      // (https://docs.stripe.com/payments/3d-secure; test cards: https://docs.stripe.com/testing#regulatory-cards).
      pi.status = 'requires_action';
      emit('payment_intent.requires_action', renderPi(pi));
      return { challenge: pi };
    }
    try {
      runOutcome(pi, pm.card.outcome, [], step === 'authenticated');
    } catch (e) {
      if (e instanceof ApiError)
        return { ok: false, message: String(e.body.message ?? 'Your card was declined.') };
      throw e;
    }
    s.status = 'complete';
    s.paymentStatus = 'paid';
    emit('checkout.session.completed', renderSession(s));
    return { ok: true };
  }

  function pageModel(s: CheckoutSessionRec, error?: string) {
    return {
      id: s.id,
      status: s.status,
      lines: s.lines.map((l) => ({ name: l.name, quantity: l.quantity, amount: l.unitAmount * l.quantity })),
      ...(s.shipping ? { shipping: s.shipping } : {}),
      total: s.amountTotal,
      currency: s.currency,
      email: s.customerEmail,
      ...(error ? { error } : {}),
    };
  }

  function handlePage(
    method: string,
    path: string,
    body: string,
  ): { status: number; html?: string; location?: string } | undefined {
    const pay = /^\/c\/pay\/([^/]+)$/.exec(path);
    if (pay) {
      sweep();
      const s = sessions.get(pay[1]!);
      if (!s) return { status: 404, html: messagePage('Not found', 'No such Checkout Session.') };
      if (method === 'GET') return { status: 200, html: checkoutPage(pageModel(s)) };
      if (method !== 'POST')
        return { status: 405, html: messagePage('Method not allowed', 'Use GET or POST.') };
      if (s.status !== 'open') return { status: 409, html: checkoutPage(pageModel(s)) };
      const form = parseForm(body);
      const action = str(form, 'action') ?? 'pay';
      currentRequest = { id: null, idempotency_key: null };
      if (action === 'cancel') {
        return s.cancelUrl
          ? { status: 303, location: s.cancelUrl }
          : { status: 200, html: messagePage('Canceled', 'You left the checkout without paying.') };
      }
      if (action === '3ds_complete' || action === '3ds_fail') {
        // The buyer answered the 3D Secure challenge of the PaymentIntent that is waiting for it.
        const pi = s.paymentIntentId ? intents.get(s.paymentIntentId) : undefined;
        if (pi?.status !== 'requires_action' || !pi.paymentMethodId) {
          return { status: 409, html: checkoutPage(pageModel(s, 'There is no authentication in progress.')) };
        }
        if (action === '3ds_fail') {
          const err = authenticationFailed(pi, []);
          return {
            status: 402,
            html: checkoutPage(pageModel(s, String(err.body.message ?? 'Authentication failed.'))),
          };
        }
        const r = payCheckout(s, pi.paymentMethodId, 'authenticated');
        if ('challenge' in r || !r.ok)
          return { status: 402, html: checkoutPage(pageModel(s, 'message' in r ? r.message : 'Declined.')) };
        return s.successUrl
          ? { status: 303, location: s.successUrl.replace('{CHECKOUT_SESSION_ID}', s.id) }
          : { status: 200, html: messagePage('Paid', 'Thank you: the payment succeeded.') };
      }
      const pmId = str(form, 'payment_method') ?? 'pm_card_visa';
      if (!testCardForPaymentMethod(pmId))
        return { status: 400, html: checkoutPage(pageModel(s, 'Choose a test payment method.')) };
      const r = payCheckout(s, pmId);
      if ('challenge' in r) {
        const pm = paymentMethods.get(r.challenge.paymentMethodId!)!;
        return {
          status: 200,
          html: checkoutChallengePage({
            sessionId: s.id,
            paymentIntentId: r.challenge.id,
            brand: pm.card.brand,
            last4: pm.card.number.slice(-4),
            total: s.amountTotal,
            currency: s.currency,
          }),
        };
      }
      if (!r.ok) return { status: 402, html: checkoutPage(pageModel(s, r.message)) };
      return s.successUrl
        ? { status: 303, location: s.successUrl.replace('{CHECKOUT_SESSION_ID}', s.id) }
        : { status: 200, html: messagePage('Paid', 'Thank you: the payment succeeded.') };
    }
    const tds = /^\/3ds\/([^/]+)$/.exec(path);
    if (tds) {
      const pi = intents.get(tds[1]!);
      if (!pi) return { status: 404, html: messagePage('Not found', 'No such PaymentIntent.') };
      if (method === 'GET') return { status: 200, html: threeDSecurePage(pi.id, pi.status) };
      if (pi.status !== 'requires_action') return { status: 409, html: threeDSecurePage(pi.id, pi.status) };
      const action = str(parseForm(body), 'action') ?? 'complete';
      currentRequest = { id: null, idempotency_key: null };
      let ok = true;
      try {
        if (action === 'fail') throw authenticationFailed(pi, []);
        runOutcome(pi, paymentMethods.get(pi.paymentMethodId!)!.card.outcome, [], true);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        ok = false;
      }
      if (pi.returnUrl) {
        const sep = pi.returnUrl.includes('?') ? '&' : '?';
        return { status: 303, location: `${pi.returnUrl}${sep}payment_intent=${pi.id}` };
      }
      return {
        status: 200,
        html: messagePage(ok ? 'Authenticated' : 'Not authenticated', `The payment is ${pi.status}.`),
      };
    }
    return undefined;
  }

  // --- HTTP plumbing
  const sockets = new Set<Socket>();
  let baseUrl = '';
  const publicUrl = () => options.publicUrl ?? baseUrl;

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>) {
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  const errorEnvelope = (e: ApiError) =>
    JSON.stringify({ error: { ...e.body, request_log_url: null } }, null, 2);

  function readText(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.once('error', reject);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readText(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';

    const page = handlePage(method, path, raw);
    if (page) {
      const headers: Record<string, string> = page.location
        ? { location: page.location }
        : { 'content-type': 'text/html; charset=utf-8' };
      res.writeHead(page.status, headers);
      res.end(page.html ?? '');
      return;
    }
    if (path === '/' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        'acp-stripe-emulator: a local emulator of a subset of the Stripe API. NOT Stripe. Test mode only.\n',
      );
      return;
    }

    const requestId = `req_${randomHex(7)}`;
    const stripeVersion = (req.headers['stripe-version'] as string | undefined) ?? EMULATOR_API_VERSION;
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const log: RequestLogEntry = {
      method,
      path: rawPath,
      body: method === 'GET' || method === 'DELETE' ? url.search.slice(1) : raw,
      status: 0,
      replayed: false,
      stripeVersion,
      ...(idemKey ? { idempotencyKey: idemKey } : {}),
    };
    requests.push(log);
    const baseHeaders: Record<string, string> = { 'request-id': requestId, 'stripe-version': stripeVersion };
    if (idemKey) baseHeaders['idempotency-key'] = idemKey;
    const reply = (status: number, body: string, extra: Record<string, string> = {}) => {
      log.status = status;
      send(res, status, body, { ...baseHeaders, ...extra });
    };

    // Authentication (test keys only).
    const auth = req.headers.authorization ?? '';
    const key = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!key) {
      reply(
        401,
        errorEnvelope(
          new ApiError(
            401,
            {
              type: 'invalid_request_error',
              message:
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            },
            false,
          ),
        ),
        { 'www-authenticate': 'Bearer realm="Stripe"' },
      );
      return;
    }
    if (!(options.liveAccount ? /^(sk|rk)_live_/ : /^(sk|rk)_test_/).test(key)) {
      reply(
        401,
        errorEnvelope(
          new ApiError(
            401,
            {
              type: 'invalid_request_error',
              code: 'api_key_expired',
              message:
                'Invalid API Key provided: the Stripe emulator accepts test mode keys (sk_test_…, rk_test_…) only.',
            },
            false,
          ),
        ),
      );
      return;
    }

    if (options.acceptedKeys && !options.acceptedKeys.includes(key)) {
      // Stripe names the key only by its last four characters.
      reply(
        401,
        errorEnvelope(
          new ApiError(
            401,
            {
              type: 'invalid_request_error',
              message: `Invalid API Key provided: ${key.slice(0, key.indexOf('_', 3) + 1)}****${key.slice(-4)}`,
            },
            false,
          ),
        ),
      );
      return;
    }

    const r = routes.find((x) => x.method === method && x.re.test(path));
    if (!r) {
      reply(
        404,
        errorEnvelope(
          new ApiError(
            404,
            {
              type: 'invalid_request_error',
              message: `Unrecognized request URL (${method}: ${path}). The Stripe emulator implements a subset of the Stripe API; see its README.`,
            },
            false,
          ),
        ),
      );
      return;
    }

    // Faults in front of the API (nothing executes, nothing is saved): 500, 429, dropped connection.
    const fault = pickFault(method, path);
    if (fault.kind) log.fault = fault.kind;
    if (fault.kind === 'drop_connection') {
      log.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'rate_limited') {
      reply(
        429,
        JSON.stringify({
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly (injected by the Stripe emulator).',
          },
        }),
      );
      return;
    }

    const params = method === 'GET' || method === 'DELETE' ? parseForm(url.search.slice(1)) : parseForm(raw);
    const scope = `${key}\u0000${idemKey ?? ''}`;
    const fp = fingerprint(method, path, params as FormValue);
    if (idemKey) {
      const existing = idem.get(scope);
      if (existing) {
        if (existing.fingerprint !== fp) {
          reply(
            400,
            errorEnvelope(
              new ApiError(
                400,
                {
                  type: 'idempotency_error',
                  message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
                },
                false,
              ),
            ),
          );
          return;
        }
        if (existing.inFlight) {
          reply(
            409,
            errorEnvelope(
              new ApiError(
                409,
                {
                  type: 'invalid_request_error',
                  code: 'idempotency_key_in_use',
                  message:
                    'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' +
                    idemKey +
                    '. Please try again later.',
                },
                false,
              ),
            ),
          );
          return;
        }
        if (fault.latency) await sleep(fault.latency);
        log.replayed = true;
        // A 500 cannot happen to a replay: Stripe answers with the saved response.
        if (fault.kind === 'server_error' || fault.kind === 'server_error_executed') delete log.fault;
        if (fault.kind === 'lost_response') {
          log.status = -1;
          req.socket.destroy();
          return;
        }
        reply(existing.status!, existing.body!, {
          'idempotent-replayed': 'true',
          'original-request': requestId,
        });
        return;
      }
      idem.set(scope, { fingerprint: fp, inFlight: true });
    }
    if (fault.latency) await sleep(fault.latency);

    let status: number;
    let body: string;
    let save = true;
    currentRequest = { id: requestId, idempotency_key: idemKey ?? null };
    try {
      sweep();
      if (fault.kind === 'server_error') throw injectedServerError();
      const out = r.handler({ params, match: r.re.exec(path)!, method });
      if (fault.kind === 'server_error_executed') throw injectedServerError();
      status = out.status ?? 200;
      body = JSON.stringify(out.body, null, 2);
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(500, { type: 'api_error', message: 'The emulator failed unexpectedly.' }, false);
      status = err.status;
      body = errorEnvelope(err);
      save = err.save;
    } finally {
      currentRequest = { id: null, idempotency_key: null };
    }
    if (idemKey) {
      if (save) idem.set(scope, { fingerprint: fp, inFlight: false, status, body });
      else idem.delete(scope);
    }
    if (fault.kind === 'lost_response') {
      // The request executed and its result is saved, but the client never hears back.
      log.status = -1;
      req.socket.destroy();
      return;
    }
    reply(status, body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ error: { type: 'api_error', message: 'emulator failure' } }), {});
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const emulator: StripeEmulator = {
    url: baseUrl,
    host,
    port,
    stripeConfig: { host, port, protocol: 'http' },
    async close() {
      dispatcher.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setFaults(f) {
      faults = f;
      random = seededRandom(f.seed ?? 1);
      queue = (f.queue ?? []).map((r) => ({ ...r, left: r.times ?? 1 }));
    },
    injectFaults(...rules) {
      queue.push(...rules.map((r) => ({ ...r, left: r.times ?? 1 })));
    },
    addWebhookEndpoint(endpoint) {
      dispatcher.endpoints.push(endpoint);
    },
    webhooks: {
      pause: () => dispatcher.pause(),
      resume: () => dispatcher.resume(),
      flush: (order) => dispatcher.flush(order),
      redeliver(eventId) {
        const event = eventLog.find((e) => e.id === eventId);
        if (!event) throw new Error(`No such event: ${eventId}`);
        dispatcher.redeliver(event);
      },
      idle: () => dispatcher.idle(),
      get deliveries() {
        return dispatcher.deliveries;
      },
    },
    events: (type) => eventLog.filter((e) => !type || e.type === type),
    requests,
    paymentIntents(filter = {}) {
      return [...intents.values()]
        .filter(
          (pi) =>
            (!filter.status || pi.status === filter.status) &&
            Object.entries(filter.metadata ?? {}).every(([k, v]) => pi.metadata[k] === v),
        )
        .map((pi) => renderPi(pi));
    },
    settleRefunds() {
      for (const r of refunds.values()) {
        if (!r.settle) continue;
        const charge = charges.get(r.chargeId)!;
        if (r.settle === 'succeed') {
          r.status = 'succeeded';
          emit('refund.updated', renderRefund(r));
        } else {
          r.status = 'failed';
          r.failureReason = 'declined';
          charge.amountRefunded -= r.amount;
          emit('refund.failed', renderRefund(r));
          emit('refund.updated', renderRefund(r));
        }
        delete r.settle;
      }
    },
    sweep,
  };
  return emulator;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
