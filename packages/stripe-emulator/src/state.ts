// The emulator's model: the in-memory Stripe objects, their ids, the event log (and its webhook delivery),
// the request log and the idempotency store. Nothing here speaks HTTP; routes and pages read and change it.
import { randomBytes } from 'node:crypto';
import type { Decline, TestCard } from './cards.js';
import type { EmulatedError, SptLimitViolation } from './errors.js';
import type { FaultKind } from './faults.js';
import { type StripeEventObject, WebhookDispatcher, type WebhookEndpoint } from './webhooks.js';

/** The API version the emulated account is pinned to (stripe-node 23's default). Any version is accepted. */
export const EMULATOR_API_VERSION = '2026-10-28.endive';

/** Default `searchLagMs`: Stripe's search shows new data "in less than a minute" under normal conditions. */
export const DEFAULT_SEARCH_LAG_MS = 60_000;

// ------------------------------------------------------------------------------------------ ids

// Ids need no fresh syscall each: hex is cut from a pooled random buffer, refilled when used up.
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolAt = 0;
export function randomHex(bytes: number): string {
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

// ------------------------------------------------------------------------------------------ records

export type Json = Record<string, unknown>;

export interface PaymentMethodRec {
  id: string;
  card: TestCard;
  expMonth: number;
  expYear: number;
  created: number;
  sptId: string | null;
}

export interface GrantedTokenRec {
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

export interface ChargeRec {
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

/** The refund ledger of a charge: what refunds may still take (a failed refund gives its amount back). */
export const unrefunded = (c: ChargeRec): number => c.amount - c.amountRefunded;

export interface PaymentIntentRec {
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

export interface CheckoutSessionRec {
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

export interface RefundRec {
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

// ------------------------------------------------------------------------------------------ idempotency

interface IdemRec {
  fingerprint: string;
  inFlight: boolean;
  status?: number;
  body?: string;
}

/** What a request carrying an Idempotency-Key does (https://docs.stripe.com/idempotency, stripe.md §5.1). */
export type IdempotencyDecision =
  /** First use of the key: execute; the key is now in flight. */
  | { kind: 'execute' }
  /** Same key, different parameters: 400 `idempotency_error`. */
  | { kind: 'mismatch' }
  /** Same key while the first request still runs: 409 `idempotency_key_in_use`. */
  | { kind: 'in_flight' }
  /** Same key and parameters after an answer was saved: replay it. Keys never expire here. */
  | { kind: 'replay'; status: number; body: string };

/** Saved answers per API key and Idempotency-Key. */
export class IdempotencyStore {
  private readonly records = new Map<string, IdemRec>();

  /** Keys are scoped per API key, as Stripe scopes them per account and mode. */
  static scope(apiKey: string, idempotencyKey: string): string {
    return `${apiKey}\u0000${idempotencyKey}`;
  }

  begin(scope: string, fingerprint: string): IdempotencyDecision {
    const existing = this.records.get(scope);
    if (!existing) {
      this.records.set(scope, { fingerprint, inFlight: true });
      return { kind: 'execute' };
    }
    if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (existing.inFlight) return { kind: 'in_flight' };
    return { kind: 'replay', status: existing.status!, body: existing.body! };
  }

  /** Saves the answer once execution began, or forgets the key (parameter validation errors are not saved). */
  finish(scope: string, fingerprint: string, answer: { status: number; body: string } | undefined): void {
    if (answer) this.records.set(scope, { fingerprint, inFlight: false, ...answer });
    else this.records.delete(scope);
  }
}

// ------------------------------------------------------------------------------------------ the model

/** Options resolved once, read by routes and pages. */
export interface EmulatorConfig {
  allowRawCards: boolean;
  liveAccount: boolean;
  accountId: string;
  searchLagMs: number;
  sptLimitError: (violation: SptLimitViolation) => EmulatedError;
  acceptedKeys?: readonly string[];
  publicUrl?: string;
}

export interface WebhookConfig {
  endpoints: readonly WebhookEndpoint[];
  retryDelaysMs?: readonly number[];
}

/** The `request` of an event: the API request that caused it. */
export type EventRequest = { readonly id: string | null; readonly idempotency_key: string | null };
/** Events of hosted pages and test calls name no request. */
export const NO_REQUEST: EventRequest = Object.freeze({ id: null, idempotency_key: null });

export class EmulatorState {
  readonly paymentMethods = new Map<string, PaymentMethodRec>();
  readonly tokens = new Map<string, GrantedTokenRec>();
  readonly intents = new Map<string, PaymentIntentRec>();
  readonly charges = new Map<string, ChargeRec>();
  readonly sessions = new Map<string, CheckoutSessionRec>();
  /**
   * The earliest `expiresAt` (seconds) of an open Checkout Session or active SPT that may still expire: `sweep`
   * has nothing to do before it. Lowered by `noteExpiry` when one is created (expiry times never change).
   */
  nextExpiryS = Number.POSITIVE_INFINITY;
  readonly refunds = new Map<string, RefundRec>();
  readonly idempotency = new IdempotencyStore();
  /** Every event created, oldest first. */
  readonly events: StripeEventObject[] = [];
  /** Every request served. */
  readonly requests: RequestLogEntry[] = [];
  /** Events are delivered to the webhook endpoints as they are created. */
  readonly webhooks: WebhookDispatcher;
  /** The API request being executed, named in the events it causes (none for hosted pages). */
  currentRequest: EventRequest = NO_REQUEST;
  /** `http://<host>:<port>`, known once the server listens. */
  baseUrl = '';
  private seq = 0;

  constructor(
    readonly config: EmulatorConfig,
    readonly nowMs: () => number,
    webhooks: WebhookConfig,
  ) {
    this.webhooks = new WebhookDispatcher({
      endpoints: [...webhooks.endpoints],
      nowSeconds: () => this.nowS(),
      ...(webhooks.retryDelaysMs ? { retryDelaysMs: webhooks.retryDelaysMs } : {}),
    });
  }

  nowS(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Base URL of the hosted pages. */
  get publicUrl(): string {
    return this.config.publicUrl ?? this.baseUrl;
  }

  id(prefix: string): string {
    return `${prefix}_${(++this.seq).toString(36).padStart(4, '0')}${randomBase62(14)}`;
  }

  checkoutSessionId(): string {
    return `cs_test_${(++this.seq).toString(36)}${randomHex(12)}`;
  }

  emit(type: string, object: Json, previous?: Json): void {
    const event: StripeEventObject = {
      id: this.id('evt'),
      object: 'event',
      type,
      created: this.nowS(),
      api_version: EMULATOR_API_VERSION,
      livemode: false,
      pending_webhooks: this.webhooks.endpoints.length,
      request: { ...this.currentRequest },
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
    };
    this.events.push(event);
    this.webhooks.publish(event);
  }
}
