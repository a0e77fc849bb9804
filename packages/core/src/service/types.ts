// The service's public types: what it needs (ports), who calls (RequestContext), what it offers.
import type { MerchantConfig, ResolvedConfig } from '../config.js';
import type { OrderRecord, SessionState } from '../domain.js';
import type {
  CatalogV1,
  CheckoutStoreV1,
  Clock,
  EventSinkV1,
  Ids,
  PaymentEvent,
  PaymentGatewayV1,
  PricingV1,
  Sha256Hex,
} from '../ports.js';
import type { Order } from '../spec/2026-04-17/schemas.generated.js';
import type { Logger, ServiceResult } from './results.js';

export interface CheckoutServiceDeps {
  store: CheckoutStoreV1;
  catalog: CatalogV1;
  pricing: PricingV1;
  gateway: PaymentGatewayV1;
  clock: Clock;
  ids: Ids;
  events?: EventSinkV1;
  logger?: Logger;
  config: MerchantConfig;
  /** Idempotency records are kept at least this long. Default 24 h (the spec's minimum). */
  idempotencyTtlSeconds?: number;
  /** How long an in-flight idempotency record blocks a duplicate before it may take over. Default 60 s. */
  idempotencyLockSeconds?: number;
  /**
   * SHA-256 for idempotency (the digests of keys and request bodies). Default: `@noble/hashes` (pure
   * JavaScript, every runtime). On Node, pass `nodeSha256Hex` from `@acp/checkout` (native, about a quarter of
   * the CPU). Any correct SHA-256 gives the same digests, so stored records stay valid across a change.
   */
  digest?: Sha256Hex;
}

/** Who is calling and with which protocol headers (REST headers or MCP `meta`). */
export interface RequestContext {
  /**
   * Authenticated identity; idempotency keys are scoped to it and sessions are bound to it (only their creator
   * may read or change them). `internal` (merchant code: dashboards, recovery) may access every session:
   * transports must never map an outside caller to it.
   */
  caller: string;
  apiVersion?: string | undefined;
  idempotencyKey?: string | undefined;
  requestId?: string | undefined;
  /** JSONPath root for `param` of validation errors: `$` for REST, `$.payload` for the MCP binding. */
  paramRoot?: string;
  /**
   * `required` (REST, default): a POST without Idempotency-Key is 400 `idempotency_key_required`.
   * `optional` (the MCP binding marks `meta.idempotency_key` optional): without a key the request runs once,
   * with no replay protection.
   */
  idempotency?: 'required' | 'optional';
  /** `Accept-Language` / `meta.accept_language` (recorded; messages are English today). */
  acceptLanguage?: string | undefined;
  /** `User-Agent` / `meta.user_agent` (recorded for logs). */
  userAgent?: string | undefined;
}

export interface CheckoutService {
  readonly config: ResolvedConfig;
  createSession(body: unknown, ctx: RequestContext): Promise<ServiceResult>;
  getSession(id: string, ctx: RequestContext): Promise<ServiceResult>;
  updateSession(id: string, body: unknown, ctx: RequestContext): Promise<ServiceResult>;
  completeSession(id: string, body: unknown, ctx: RequestContext): Promise<ServiceResult>;
  cancelSession(id: string, body: unknown, ctx: RequestContext): Promise<ServiceResult>;
  /** Opens (or returns the open) hosted payment link of a payable session. */
  createPaymentLink(
    id: string,
    ctx: Pick<RequestContext, 'caller'>,
  ): Promise<ServiceResult<{ url: string; expires_at: string; checkout_session_id: string }>>;
  /** Applies a PSP event translated by a payment adapter (webhooks). Safe to call repeatedly. */
  handlePaymentEvent(event: PaymentEvent): Promise<{ applied: boolean; reason?: string }>;
  refundOrder(
    orderId: string,
    input: {
      amount?: number;
      reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent';
      idempotencyKey: string;
    },
  ): Promise<ServiceResult<Order>>;
  getOrder(orderId: string): Promise<OrderRecord | null>;
  getOrderBySession(sessionId: string): Promise<OrderRecord | null>;
  /**
   * The stored session state (for shopper tools and dashboards); applies expiry and payment recovery. With a
   * caller, a session owned by another caller is `null` (as unknown); without one, `internal`.
   */
  loadSession(id: string, ctx?: Pick<RequestContext, 'caller'>): Promise<SessionState | null>;
  /** Resumes every payment attempt left pending by a crash or an outage. Call at start-up and periodically. */
  recoverPendingPayments(): Promise<{ resumed: number; stillPending: number }>;
  /** Expires overdue sessions and sweeps old idempotency records. */
  sweep(): Promise<{ expired: number; idempotencyRecordsRemoved: number }>;
}

/** The merchant's own code (dashboards, recovery): sees every session. Never an outside caller. */
export const INTERNAL_CALLER = 'internal';
