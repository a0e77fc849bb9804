// Ports: the narrow, versioned interfaces core needs from the outside world. Adapters implement them
// (`@acp/stripe`, `@acp/store-*`, the demo catalog); `@acp/core/testing` has an in-memory reference
// implementation of each and a contract suite every adapter must pass.
import type {
  DomainEvent,
  FulfillmentKind,
  FulfillmentOptionType,
  MinorUnits,
  OrderRecord,
  PaymentAttempt,
  SessionState,
  StoredResponse,
} from './domain.js';
import type { RefundUpdate } from './engine/refunds.js';
import type {
  Address,
  AuthenticationMetadata,
  AuthenticationResult,
} from './spec/2026-04-17/schemas.generated.js';

// ---------------------------------------------------------------------------------------------- clock, ids

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new checkout session id (e.g. `cs_…`). */
  sessionId(): string;
  /** A new order id (e.g. `ord_…`). */
  orderId(): string;
}

// ---------------------------------------------------------------------------------------------- catalog

export interface Product {
  id: string;
  name: string;
  description?: string;
  unitAmount: MinorUnits;
  currency: string;
  images?: string[];
  url?: string;
  sku?: string;
  category?: string;
  tags?: string[];
  fulfillment: FulfillmentKind;
  /** Units in stock; `undefined` means the catalog does not track stock (always available). */
  availableQuantity?: number;
  maxQuantityPerOrder?: number;
  /** At or below this many units the line carries a `low_stock` warning. Default 5. */
  lowStockThreshold?: number;
}

export interface ProductSearch {
  query?: string;
  category?: string;
  maxUnitAmount?: MinorUnits;
  inStockOnly?: boolean;
  limit?: number;
  cursor?: string;
}

export interface CatalogV1 {
  readonly version: 1;
  /** The products that exist among `ids` (unknown ids are simply absent). */
  getProducts(ids: readonly string[]): Promise<Product[]>;
  search(query: ProductSearch): Promise<{ products: Product[]; nextCursor?: string }>;
  /** Decrement stock for a placed order. MUST be idempotent per `orderId` (= `idempotencyKey`). Optional. */
  commitInventory?(input: {
    orderId: string;
    lines: { productId: string; quantity: number }[];
    /** Stable per order: a repeated call with it must not decrement twice. */
    idempotencyKey?: string;
  }): Promise<void>;
}

// ---------------------------------------------------------------------------------------------- pricing

export interface PricingLineInput {
  lineId: string;
  productId: string;
  quantity: number;
  fulfillment: FulfillmentKind;
  /** Line subtotal after line discounts, before tax. */
  subtotal: MinorUnits;
}

export interface FulfillmentOptionQuote {
  id: string;
  type: FulfillmentOptionType;
  title: string;
  description?: string;
  carrier?: string;
  earliestDeliveryTime?: string;
  latestDeliveryTime?: string;
  /** Item ids this option fulfils. */
  itemIds: string[];
  subtotal: MinorUnits;
  tax: MinorUnits;
}

export interface PricingQuote {
  /** Tax per line id (integer minor units). Missing lines are untaxed. */
  lineTaxes: Record<string, MinorUnits>;
  fulfillmentOptions: FulfillmentOptionQuote[];
}

export interface PricingV1 {
  readonly version: 1;
  quote(input: {
    currency: string;
    lines: PricingLineInput[];
    /** Destination, when the buyer has given one. Shipping options need it. */
    address?: Address;
    now: string;
  }): Promise<PricingQuote>;
}

// ---------------------------------------------------------------------------------------------- payments

export interface ChargeRequest {
  sessionId: string;
  attemptId: string;
  attemptNumber: number;
  /** Deterministic from session and attempt: a retried request can never charge twice. */
  idempotencyKey: string;
  amount: MinorUnits;
  currency: string;
  handlerId: string;
  instrumentType: string;
  credential: { type: string; token: string };
  billingAddress?: Address;
  /** 3DS continuation: the PSP payment that required authentication, and the agent's result. */
  continuePaymentId?: string;
  authenticationResult?: AuthenticationResult;
  buyerEmail?: string;
  metadata: Record<string, string>;
  /**
   * `false`: the agent cannot perform 3D Secure (its capabilities do not include the `3ds` intervention).
   * The gateway must not leave the payment waiting for authentication: it answers `declined` with code
   * `authentication_required` instead (Stripe: `error_on_requires_action`). Absent means it can.
   */
  authenticationAvailable?: boolean;
}

export type ChargeResult =
  | {
      status: 'succeeded';
      paymentId: string;
      amount: MinorUnits;
      currency: string;
      card?: { brand?: string; last4?: string };
    }
  | {
      status: 'declined';
      /** PSP error code, e.g. `card_declined`, `expired_card`, `token_unusable`. */
      code: string;
      declineCode?: string;
      /** Buyer-safe explanation; never contains card data. */
      message: string;
      paymentId?: string;
    }
  | { status: 'requires_action'; paymentId: string; authenticationMetadata: AuthenticationMetadata }
  | {
      /**
       * The outcome is unknown or the PSP is unavailable. The same request may be retried safely.
       * `key_conflict`: the PSP refused the send because the key was used before with other parameters (Stripe
       * `idempotency_error`): the send did not execute, and the key still holds its first answer.
       */
      status: 'retryable_failure';
      reason: 'network' | 'rate_limited' | 'server_error' | 'key_conflict' | 'unknown';
      message: string;
      retryAfterSeconds?: number;
      paymentId?: string;
    };

export interface PaymentLinkRequest {
  sessionId: string;
  attemptId: string;
  idempotencyKey: string;
  amount: MinorUnits;
  currency: string;
  lines: {
    name: string;
    quantity: number;
    unitAmount: MinorUnits;
    description?: string;
    images?: string[];
  }[];
  shipping?: { title: string; amount: MinorUnits };
  tax: MinorUnits;
  buyerEmail?: string;
  expiresAt: string;
  metadata: Record<string, string>;
}

export type PaymentLinkResult =
  | { status: 'created'; linkId: string; url: string; expiresAt: string }
  | {
      status: 'retryable_failure';
      message: string;
      retryAfterSeconds?: number;
      /**
       * `server_error`: the PSP answered 5xx, which it saves under the key and replays on every retry; the
       * engine then drops the link attempt so the next call uses a new key (nobody has that link's URL).
       * `key_conflict`: the PSP refused the key as used with other parameters (Stripe `idempotency_error`);
       * the engine drops the attempt and retries at once with a new key.
       */
      reason?: 'network' | 'rate_limited' | 'server_error' | 'key_conflict' | 'unknown';
    };

/**
 * When charges were sent under an attempt's PSP key: every payment the PSP created under it was created at or
 * after `sentFrom` and at or before `sentUntil` (by core's clock; the gateway adds its own clock slack).
 */
export interface ReconcileWindow {
  sentFrom: string;
  sentUntil: string;
  /**
   * Continue a complete lookup of this same window that an earlier `reconcile` cut short (see
   * `ReconcileResult`'s `resumeAfter`): every payment of the window newer than this one was scanned already.
   */
  resumeAfter?: string;
}

/**
 * What a `not_found` from `reconcile` is worth:
 * - `list`: a read-after-write consistent lookup (Stripe: the List API) scanned the whole `window` and found no
 *   payment for the attempt: proof that nothing was charged under its key.
 * - `payment`: the attempt's own payment, retrieved, shows nothing was charged (a 3DS continuation whose
 *   PaymentIntent still waits for authentication): proof.
 * - `search`: only an eventually consistent lookup (Stripe search lags writes, more during an outage) found
 *   nothing: evidence, never proof.
 * - `none`: no lookup was possible.
 */
export type ReconcileProof = 'list' | 'payment' | 'search' | 'none';

export type ReconcileResult =
  | ChargeResult
  | {
      status: 'not_found';
      proof: ReconcileProof;
      /**
       * The complete lookup of the window stopped at the gateway's limit after this payment (newest first):
       * passed back as `window.resumeAfter`, the next `reconcile` continues there, so a busy window is proven
       * over several calls instead of never.
       */
      resumeAfter?: string;
    };

/** What the PSP says about a hosted payment link (Stripe: the Checkout Session and its PaymentIntent). */
export type PaymentLinkStatus =
  | { status: 'open' }
  | { status: 'paid'; paymentId: string; amount: MinorUnits; currency: string }
  | { status: 'expired' }
  /** Unknown for now (PSP unavailable, or the PSP does not know the link: never read as `expired`). */
  | { status: 'retryable_failure'; message: string };

export interface RefundRequest {
  orderId: string;
  paymentId: string;
  /** Omit for a full refund. */
  amount?: MinorUnits;
  currency: string;
  reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent';
  idempotencyKey: string;
}

export type RefundResult =
  | { status: 'succeeded' | 'pending'; refundId: string; amount: MinorUnits; currency: string }
  | { status: 'failed'; message: string; retryable: boolean };

/** One PSP refund of a payment, as `listRefunds` reports it. */
export interface PaymentRefund {
  refundId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  amount: MinorUnits;
  currency: string;
  reason?: string;
}

/** A credential as an agent sent it, checked before anything is stored or sent to the PSP. */
export interface CredentialCheck {
  handlerId: string;
  instrumentType: string;
  credential: { type: string; token: string };
}

/** `ok: false` refuses the request: `field` names the credential field, `message` never repeats the value. */
export type CredentialCheckResult = { ok: true } | { ok: false; field: 'type' | 'token'; message: string };

export interface PaymentGatewayV1 {
  readonly version: 1;
  /**
   * Pure, synchronous shape check of a credential for this gateway (e.g. a Stripe SPT is `spt_…`). Core calls
   * it before the attempt is committed, after its own refusal of anything card-number-like, so a malformed
   * token is never stored, logged or sent. Optional: without it any non-empty token is accepted.
   */
  validateCredential?(input: CredentialCheck): CredentialCheckResult;
  /** Charge (or, with `continuePaymentId`, confirm after 3DS). Idempotent per `idempotencyKey`. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /**
   * Reconcile an attempt whose outcome is unknown (crash, lost response, a 5xx): look the payment up, never
   * charge anew. Returns the payment's outcome, or `not_found` with the kind of `proof` the lookup gives (see
   * `ReconcileProof`). Core closes an attempt whose key answered a 5xx as uncharged only on a `list` or
   * `payment` proof (core README, "A 5xx saved under the key"). `window` says when charges were sent under
   * the attempt's key; a gateway that cannot scan it completely must not answer `list`.
   */
  reconcile?(attempt: PaymentAttempt, window?: ReconcileWindow): Promise<ReconcileResult>;
  createPaymentLink?(request: PaymentLinkRequest): Promise<PaymentLinkResult>;
  /**
   * Looks a payment link up at the PSP (never changes it). Used to reconcile links whose webhooks never
   * arrived: paid → the order is placed; expired → the session is payable again.
   */
  retrievePaymentLink?(linkId: string): Promise<PaymentLinkStatus>;
  /** Close an open payment link. `completed` means it was paid first: the payment wins. */
  expirePaymentLink?(
    linkId: string,
  ): Promise<
    | { status: 'expired' }
    | { status: 'completed'; paymentId: string; amount: MinorUnits; currency: string }
    | { status: 'retryable_failure'; message: string }
  >;
  refund?(request: RefundRequest): Promise<RefundResult>;
  /**
   * Every refund the PSP holds for one payment, with its current status (never changes anything). Core calls
   * it once an order is placed (any path: a charge, a late charge, a link payment) and applies the answer to
   * the order's refund ledger like a `refund.updated` webhook, so a refund made before the order existed (its
   * webhook answered while no order could be found) is never lost. Throws when the PSP cannot answer now
   * (core logs it; best effort). Optional: without it only webhooks fill the ledger.
   */
  listRefunds?(paymentId: string): Promise<PaymentRefund[]>;
  /**
   * Cancel a payment that waits for the buyer (3D Secure) and is no longer wanted: its session was canceled
   * or its attempt was superseded. Best effort: core never blocks on it and retries a `retryable_failure`.
   * `not_cancelable` means it already reached a final state.
   */
  cancelPayment?(
    paymentId: string,
    /** Stable per payment: pass it to the PSP as the request's idempotency key. */
    options?: { idempotencyKey?: string },
  ): Promise<{ status: 'canceled' | 'not_cancelable' | 'retryable_failure'; message?: string }>;
}

/** PSP facts that reach core from webhooks, already translated by the adapter (no vendor event names). */
export type PaymentEvent =
  | {
      type: 'payment_link.succeeded';
      sessionId: string;
      linkId: string;
      paymentId: string;
      amount: MinorUnits;
      currency: string;
    }
  | { type: 'payment_link.expired'; sessionId: string; linkId: string }
  | { type: 'payment_link.failed'; sessionId: string; linkId?: string; message: string }
  | {
      type: 'refund.updated';
      paymentId: string;
      /**
       * The checkout session the refunded payment was taken for, when the adapter can tell (Stripe: the
       * PaymentIntent's `acp_checkout_session_id` metadata). A refund of one of our payments whose order does
       * not exist yet makes `handlePaymentEvent` throw, so the PSP redelivers it; others are ignored.
       */
      sessionId?: string;
      refundId: string;
      amount: MinorUnits;
      currency: string;
      status: 'pending' | 'succeeded' | 'failed' | 'canceled';
      reason?: string;
    };

// ---------------------------------------------------------------------------------------------- store

export interface StoredSession {
  state: SessionState;
  /** Monotonic version for compare-and-set; 1 after insert. */
  version: number;
}

/**
 * SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex digits (a lone surrogate encodes as U+FFFD). Core's
 * default is `@noble/hashes` (synchronous, every runtime); `@acp/checkout` exports Node's native one.
 */
export type Sha256Hex = (text: string) => string;

export interface IdempotencyBegin {
  /** Caller identity + method + path, e.g. `key_abc POST /checkout_sessions/cs_1/complete`. */
  scope: string;
  /** SHA-256 (hex) of the client's Idempotency-Key: the key itself is never stored. */
  key: string;
  /** SHA-256 of the RFC 8785 canonical body. */
  requestHash: string;
  now: string;
  /** While in flight, the record blocks others until this passes (then a retry may take over). */
  lockUntil: string;
  /** Keep the finished record at least until this time (>= 24 h). */
  expiresAt: string;
}

export type IdempotencyBeginResult =
  | { kind: 'started' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_flight'; lockUntil: string }
  | { kind: 'conflict' };

export interface IdempotencyFinish {
  scope: string;
  key: string;
  response: StoredResponse;
  /**
   * When the body is a rendering of immutable objects (the session and order committed with it): renders that
   * body again, equal on every call. A store that keeps objects (the memory store) may keep this instead of
   * `response.body`, so that a replay record costs a reference rather than a copy of the session; a store that
   * serializes ignores it. Core sets it as a non-enumerable property: a store that copies or posts what it is
   * given (structuredClone, a worker thread) simply does not see it.
   */
  renderBody?: () => unknown;
}

export interface CommitRequest {
  session: SessionState;
  /** `null` inserts a new session; otherwise compare-and-set against this version. */
  expectedVersion: number | null;
  /** Inserted if no order exists for the session yet (one order per session, enforced by the store). */
  order?: OrderRecord;
  /** Upserted by id. */
  attempts?: PaymentAttempt[];
  /** Finishes the idempotency record in the same transaction. */
  idempotency?: IdempotencyFinish;
}

export type CommitResult = { ok: true; version: number } | { ok: false; reason: 'conflict' };

export interface ListOptions {
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/**
 * Where sessions, orders, payment attempts and idempotency records live. Objects a store returns are read-only
 * for the caller: a store may hand out the objects it keeps (the memory store does, frozen), and core never
 * changes an object it read or committed.
 */
export interface CheckoutStoreV1 {
  readonly version: 1;
  getSession(id: string): Promise<StoredSession | null>;
  /** Atomic: session CAS/insert + optional order insert + attempt upsert + idempotency finish. */
  commit(request: CommitRequest): Promise<CommitResult>;
  getOrder(orderId: string): Promise<OrderRecord | null>;
  getOrderBySession(sessionId: string): Promise<OrderRecord | null>;
  getOrderByPayment(paymentId: string): Promise<OrderRecord | null>;
  /**
   * Records a refund fact in the order's refund ledger, atomically (read-modify-write in one transaction, or
   * row lock): ONE entry per PSP refund id holding its latest status, applied with core's
   * `applyRefundUpdate` (monotonic: a duplicate or an older status changes nothing). Returns the order and
   * whether it changed, or null when the order does not exist.
   */
  upsertOrderRefund(
    orderId: string,
    update: RefundUpdate,
    now: string,
  ): Promise<{ record: OrderRecord; changed: boolean } | null>;
  getPaymentAttempt(id: string): Promise<PaymentAttempt | null>;
  listPaymentAttempts(sessionId: string): Promise<PaymentAttempt[]>;
  /** Sessions in any of `statuses`, oldest update first (recovery, expiry sweeps, dashboards). */
  listSessions(filter: { statuses?: readonly string[] } & ListOptions): Promise<{
    sessions: StoredSession[];
    nextCursor?: string;
  }>;
  /** Newest first. */
  listOrders(options: ListOptions): Promise<{ orders: OrderRecord[]; nextCursor?: string }>;

  idempotencyBegin(request: IdempotencyBegin): Promise<IdempotencyBeginResult>;
  /** Store the final response of a request whose operation committed nothing else. */
  idempotencyFinish(finish: IdempotencyFinish): Promise<void>;
  /** Forget an in-flight record (the request ended in a 5xx, which is never cached). */
  idempotencyRelease(scope: string, key: string): Promise<void>;
  /** Delete records (finished or abandoned in flight) whose `expiresAt` is at or before `now`. Returns how many. */
  idempotencySweep(now: string): Promise<number>;
}

// ---------------------------------------------------------------------------------------------- events

export interface EventSinkV1 {
  readonly version: 1;
  /**
   * Called after the state change is committed. Failures are reported, never undo the change. Delivery is at
   * least once: `meta.idempotencyKey` is the same for every report of the same fact (deduplicate on it).
   */
  emit(event: DomainEvent, meta?: { idempotencyKey: string }): Promise<void> | void;
}
