// Domain types: what the engine stores and reasons about. Wire types (spec/2026-04-17) are converted in
// wire.ts; plain ACP objects without behaviour (Buyer, Address, messages, capabilities) are reused as-is.
import type {
  AffiliateAttribution,
  AuthenticationMetadata,
  AuthenticationResult,
  Buyer,
  Capabilities,
  FulfillmentDetails,
  IntentTrace,
  MessageError,
  MessageInfo,
  MessageWarning,
  Order,
  SelectedFulfillmentOption,
} from './spec/2026-04-17/schemas.generated.js';
import type { CheckoutStatus } from './status.js';

/** Integer amount in the currency's minor unit (cents). */
export type MinorUnits = number;

export type Message = MessageInfo | MessageWarning | MessageError;

export type FulfillmentKind = 'physical' | 'digital';

export interface LineAmounts {
  itemsBaseAmount: MinorUnits;
  itemsDiscount: MinorUnits;
  subtotal: MinorUnits;
  tax: MinorUnits;
  total: MinorUnits;
}

export interface LineState {
  /** Line item id, stable per item: `li_<itemId>`. */
  id: string;
  itemId: string;
  quantity: number;
  name: string;
  description?: string;
  images: string[];
  unitAmount: MinorUnits;
  sku?: string;
  category?: string;
  fulfillment: FulfillmentKind;
  availabilityStatus: 'in_stock' | 'low_stock' | 'out_of_stock' | 'backorder' | 'pre_order';
  /** Units available now; undefined when the catalog does not track stock. */
  availableQuantity?: number;
  maxQuantityPerOrder?: number;
  amounts: LineAmounts;
}

export type FulfillmentOptionType = 'shipping' | 'digital' | 'pickup' | 'local_delivery';

export interface FulfillmentOptionState {
  id: string;
  type: FulfillmentOptionType;
  title: string;
  description?: string;
  carrier?: string;
  earliestDeliveryTime?: string;
  latestDeliveryTime?: string;
  /** Item ids this option can fulfil. */
  itemIds: string[];
  subtotal: MinorUnits;
  tax: MinorUnits;
}

export interface SessionTotals {
  itemsBaseAmount: MinorUnits;
  itemsDiscount: MinorUnits;
  subtotal: MinorUnits;
  discount: MinorUnits;
  fulfillment: MinorUnits;
  tax: MinorUnits;
  total: MinorUnits;
}

export interface PaymentLinkState {
  attemptId: string;
  linkId: string;
  url: string;
  expiresAt: string;
}

/**
 * The fields every checkout session has, whatever its status. A session is stored as a whole (JSON) by the
 * store adapters: a `SessionState` is this base plus the fields of its status (below).
 */
export interface SessionBase {
  /** Schema version of this stored shape. */
  schema: 1;
  id: string;
  /**
   * The caller identity that created the session (`RequestContext.caller`: an API key's id, never the key).
   * Only that caller (and `internal`) may read or change it; others get the unknown-id 404. Absent on sessions
   * stored before owners existed: those stay open to every caller.
   */
  owner?: string;
  currency: string;
  lines: LineState[];
  buyer?: Buyer;
  fulfillmentDetails?: FulfillmentDetails;
  fulfillmentOptions: FulfillmentOptionState[];
  selectedFulfillmentOptions: SelectedFulfillmentOption[];
  /** Negotiated capabilities (interventions, active extensions); payment handlers are added from config when rendered. */
  capabilities: Capabilities;
  /** Messages derived from the cart (stock, missing data). Recomputed on every change. */
  messages: Message[];
  /** Messages about the last request only (invalid selection, payment declined). Cleared on the next change. */
  notices: Message[];
  totals: SessionTotals;
  locale?: string;
  timezone?: string;
  metadata?: Record<string, unknown>;
  orderNotes?: string;
  quoteId?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  /** Number of payment attempts started so far (charge or payment link). */
  attemptCount: number;
  /** Write-only inputs: kept for the merchant, never emitted (rfc.affiliate_attribution, rfc.intent_traces). */
  writeOnly?: {
    firstTouch?: AffiliateAttribution;
    lastTouch?: AffiliateAttribution;
    intentTrace?: IntentTrace;
    marketingConsents?: { channel: string; opted_in: boolean }[];
  };
}

/** The statuses in which the cart can change and a payment can start (no payment is in flight). */
export type PayableStatus =
  | 'incomplete'
  | 'not_ready_for_payment'
  | 'requires_escalation'
  | 'ready_for_payment'
  | 'pending_approval';

/** A session with no payment in flight: its cart can change; `ready_for_payment` can be paid. */
export interface PayableSession extends SessionBase {
  status: PayableStatus;
  /**
   * A payment-link attempt recorded before its PSP call (`ready_for_payment` only sets it), reused (same key,
   * same parameters) on retry. Kept through a complete that did not pay (a charge declined or closed).
   */
  pendingLinkAttemptId?: string;
}

/** A server-side charge attempt is recorded and may be in flight (`complete_in_progress`). */
export interface ChargingSession extends SessionBase {
  status: 'complete_in_progress';
  /** The charge attempt the session waits on. */
  currentAttemptId: string;
  /**
   * Only on a 3DS continuation (the charge confirms the payment that waited for authentication): kept so that
   * the session can go back to `authentication_required` if the confirm is proven never to have charged.
   */
  authenticationMetadata?: AuthenticationMetadata;
  /** A link attempt recorded while the session was payable (see `PayableSession`), kept for after the charge. */
  pendingLinkAttemptId?: string;
}

/** The PSP asked for 3D Secure on the current charge attempt (`authentication_required`). */
export interface AuthenticatingSession extends SessionBase {
  status: 'authentication_required';
  /** The attempt whose payment waits for authentication. */
  currentAttemptId: string;
  authenticationMetadata: AuthenticationMetadata;
  /** A link attempt recorded while the session was payable (see `PayableSession`). */
  pendingLinkAttemptId?: string;
}

/** A hosted payment link is open (`in_progress`). */
export interface LinkSession extends SessionBase {
  status: 'in_progress';
  /** The link's attempt (`paymentLink.attemptId`). */
  currentAttemptId: string;
  paymentLink: PaymentLinkState;
}

/** Paid: exactly one order exists (`completed`). */
export interface CompletedSession extends SessionBase {
  status: 'completed';
  orderId: string;
}

/** Closed without an order (`canceled`, `expired`); a payment that still arrives may complete it (it wins). */
export interface ClosedSession extends SessionBase {
  status: 'canceled' | 'expired';
}

/**
 * Everything the engine knows about a checkout session, discriminated on `status`: each status carries exactly
 * the fields it can have (engine/session.ts builds them). Stored as a whole (JSON) by the store adapters.
 */
export type SessionState =
  | PayableSession
  | ChargingSession
  | AuthenticatingSession
  | LinkSession
  | CompletedSession
  | ClosedSession;

type VariantWith<V, S> = V extends { status: infer T } ? (S extends T ? V : never) : never;

/** The session variant(s) of the given status(es): `SessionOf<'ready_for_payment'>` is `PayableSession`. */
export type SessionOf<S extends CheckoutStatus> = VariantWith<SessionState, S>;

/** A session that may keep a payment-link attempt recorded before its PSP call (`pendingLinkAttemptId`). */
export type LinkPendingSession = PayableSession | ChargingSession | AuthenticatingSession;

/** A session waiting on a payment attempt (`currentAttemptId`): a charge, its 3DS, or an open link. */
export type WaitingSession = ChargingSession | AuthenticatingSession | LinkSession;

export type PaymentAttemptKind = 'charge' | 'payment_link';
export type PaymentAttemptStatus =
  | 'pending'
  | 'succeeded'
  | 'declined'
  | 'requires_action'
  | 'failed'
  | 'abandoned';

/**
 * One try at taking money for a session. Committed (status `pending`) BEFORE the PSP is called, so that a
 * retry, another instance or a restart resumes it with the same PSP idempotency key instead of charging again.
 */
export interface PaymentAttempt {
  /** `<sessionId>:<number>` */
  id: string;
  sessionId: string;
  number: number;
  kind: PaymentAttemptKind;
  /** Sent to the PSP; derived from session id and attempt number only. */
  idempotencyKey: string;
  status: PaymentAttemptStatus;
  amount: MinorUnits;
  currency: string;
  handlerId?: string;
  /** The SPT (a token reference, never card data). Needed to resume the same charge. */
  credentialToken?: string;
  credentialType?: string;
  instrumentType?: string;
  /** PSP payment id (Stripe PaymentIntent id) once known. */
  paymentId?: string;
  /** For a 3DS continuation: the attempt whose payment needed authentication. */
  continuesAttemptId?: string;
  authenticationResult?: AuthenticationResult;
  /** `false` when the agent cannot perform 3D Secure (sent to the PSP so it fails instead of waiting). */
  authenticationAvailable?: boolean;
  /** For a payment link: the expiry sent to the PSP (stored so a retry sends identical parameters). */
  linkExpiresAt?: string;
  /** Fingerprint of the ACP request (caller + path + Idempotency-Key) that started this attempt. */
  requestKey?: string;
  /** The attempt is owned by whoever set this lease until it passes; then anyone may resume it. */
  leaseUntil?: string;
  failure?: { code: string; declineCode?: string; message: string };
  /**
   * The PSP answered a charge sent under this attempt's key with a 5xx: when that first happened and when it
   * last happened. Stripe saves a 5xx under the key and replays it, so such an attempt can only be closed by
   * proving there is no charge (see the core README, "A 5xx saved under the key"). Cleared by any other
   * answer to a send.
   */
  serverError?: {
    firstAt: string;
    lastAt: string;
    /** How many sends answered a 5xx in a row (absent on attempts stored before it was counted: 1). */
    count?: number;
  };
  /**
   * When charges were sent under this attempt's key: `firstAt` no later than the first send, `lastAt` no
   * earlier than the start of the last one (recorded, like the attempt itself, before the send). Any payment
   * the PSP created under the key was created between `firstAt` and `lastAt` plus one lease
   * (`paymentLeaseSeconds`): the window `reconcile` must scan completely before an attempt can be proven
   * uncharged. Absent on attempts stored before it existed (then `createdAt` .. `updatedAt` is used).
   */
  sends?: { firstAt: string; lastAt: string };
  /**
   * A List API scan of the attempt's send window (`sendWindow`) cut short by the gateway's limit while the
   * attempt was being proven uncharged: every payment of the window newer than `after` was scanned and none
   * was the attempt's. The next reconcile of the SAME window continues after it, so a busy account delays the
   * proof but never blocks it (payments under a quiet key all exist already; new ones only appear as newer).
   */
  listScan?: { sentFrom: string; sentUntil: string; after: string };
  /**
   * For a payment link: fingerprint (SHA-256 of the canonical JSON) of the PSP request the attempt sent. A
   * recorded link attempt is reused (same key) only for an identical request: a PSP refuses a key reused with
   * other parameters.
   */
  linkFingerprint?: string;
  /** For a payment link: the PSP's id of the link once opened (Stripe: the Checkout Session id). */
  linkId?: string;
  card?: { brand?: string; last4?: string };
  createdAt: string;
  updatedAt: string;
}

/** An order as stored: the wire `Order` plus what the merchant needs to act on it. */
export interface OrderRecord {
  order: Order;
  sessionId: string;
  currency: string;
  amount: MinorUnits;
  paymentId?: string;
  attemptId?: string;
  buyer?: Buyer;
  /**
   * Set when the PSP captured another amount or currency than the session's total (`amount`/`currency` above
   * are always what was captured, so refunds are limited by the capture): the order is placed anyway (the
   * buyer paid) and flagged for the operator (`payment_mismatch` event, error log).
   */
  paymentMismatch?: {
    expected: { amount: MinorUnits; currency: string };
    captured: { amount: MinorUnits; currency: string };
  };
  createdAt: string;
  updatedAt: string;
}

/** A response kept for idempotent replay. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A payment the PSP took for a session that did not become (or could not become) that session's order. */
export interface ExtraPayment {
  sessionId: string;
  /** The session's order, when it has one (made from another payment). */
  orderId?: string;
  paymentId: string;
  amount: MinorUnits;
  currency: string;
}

export type DomainEvent =
  | { type: 'order_created'; order: OrderRecord }
  | { type: 'order_updated'; order: OrderRecord; reason: 'refund' | 'status' }
  /** The order was placed from a capture whose amount or currency differs from the session's total. */
  | { type: 'payment_mismatch'; order: OrderRecord }
  /**
   * A second payment for an already paid session (e.g. a hosted link paid after an SPT charge completed the
   * session) was refunded automatically (reason `duplicate`, once per payment). Delivered at least once:
   * consumers deduplicate by `payment.paymentId`.
   */
  | {
      type: 'payment_refunded_duplicate';
      payment: ExtraPayment;
      refund: { refundId: string; status: 'succeeded' | 'pending' };
    }
  /** A payment that is not the session's order and could not be refunded automatically: act on it at the PSP. */
  | { type: 'unmatched_payment'; payment: ExtraPayment; reason: string }
  /**
   * A payment the PSP took that cannot be the session's order and was refunded automatically for that reason:
   * `underpaid` (a hosted link of ours captured less than the session total, or another currency) or
   * `canceled` (a server-side charge that succeeded late, after its attempt was closed and the buyer then
   * canceled the session). `expected` is the session's total. Delivered at least once: consumers deduplicate
   * by `payment.paymentId`.
   */
  | {
      type: 'payment_refunded_unmatched';
      payment: ExtraPayment;
      reason: 'underpaid' | 'canceled';
      expected: { amount: MinorUnits; currency: string };
      refund: { refundId: string; status: 'succeeded' | 'pending' };
    }
  /**
   * A charge attempt whose key answered a 5xx could be closed by its timing, but the gateway cannot prove that
   * nothing was charged (its lookup is only eventually consistent, or impossible): the session stays
   * `complete_in_progress` and cancel is refused. Check the PSP for a payment under `idempotencyKey`.
   * Reported on every recovery pass that finds it so (at least once; deduplicate by `attemptId`).
   */
  | {
      type: 'payment_unconfirmed';
      sessionId: string;
      attemptId: string;
      idempotencyKey: string;
      since: string;
      proof: 'search' | 'none';
    };
