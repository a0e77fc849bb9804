// The checkout service: the thin shell around the pure engine. It parses and validates requests, applies
// ACP idempotency, loads state from the store, runs a pure transition, commits it (compare-and-set) and
// then executes the transition's effects through the ports. Transports call this and only translate the
// resulting { status, body, headers } to their wire (HTTP, MCP).
import type * as z from 'zod';
import { type MerchantConfig, type ResolvedConfig, resolveConfig } from './config.js';
import type {
  DomainEvent,
  ExtraPayment,
  OrderRecord,
  PaymentAttempt,
  SessionState,
  StoredResponse,
} from './domain.js';
import {
  draftsFromState,
  type LineDraft,
  pricingLines,
  requestedItemIds,
  resolveLines,
} from './engine/cart.js';
import { credentialError } from './engine/credential.js';
import { type RefundUpdate, refundTotals } from './engine/refunds.js';
import {
  abandonPaymentLinkAttempt,
  applyChargeResult,
  applyPaymentLinkEvent,
  beginComplete,
  beginPaymentLink,
  cancelSession,
  closeUnchargedAttempt,
  createSession,
  type Decision,
  type Effect,
  type EngineContext,
  expireIfDue,
  isOwnLinkAttempt,
  linkPaymentDisposition,
  paymentFallsShort,
  paymentLinkOpened,
  pendingChargePlan,
  permission,
  placeLateCharge,
  rejectShortLinkPayment,
  resumeAttempt,
  sendWindow,
  type Transition,
  updateSession,
} from './engine/transitions.js';
import { toWireOrder, toWireSession } from './engine/wire.js';
import { AcpError, asAcpError, toJsonPath, toWireError } from './errors.js';
import { containsPan, findPanField, panRefusalMessage, redactPans } from './pan.js';
import type {
  CatalogV1,
  ChargeResult,
  CheckoutStoreV1,
  Clock,
  EventSinkV1,
  Ids,
  PaymentEvent,
  PaymentGatewayV1,
  PaymentLinkStatus,
  PricingV1,
  Product,
} from './ports.js';
import {
  CancelSessionRequest,
  type CheckoutSession,
  CheckoutSessionCompleteRequest,
  CheckoutSessionCreateRequest,
  CheckoutSessionUpdateRequest,
  type Order,
  type Error as WireError,
} from './spec/2026-04-17/schemas.generated.js';
import { assertNever } from './status.js';
import { canonicalJson } from './util/canonical-json.js';
import { sha256Hex } from './util/sha256.js';
import { checkApiVersion } from './versions.js';

export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

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

export interface ServiceResult<T = CheckoutSession> {
  status: number;
  body: T | WireError;
  headers: Record<string, string>;
  /** True when this is a stored response replayed for a repeated idempotency key. */
  replayed: boolean;
}

export type ServiceOk<T> = ServiceResult<T> & { body: T };

export function isErrorResult<T>(r: ServiceResult<T>): r is ServiceResult<T> & { body: WireError } {
  return r.status >= 400;
}

const MAX_CAS_RETRIES = 8;
/** Request fields that name catalog items (merchant ids such as GTINs may be all digits). */
const LOOKUP_ID_FIELDS = [
  ['line_items', '*', 'id'],
  ['selected_fulfillment_options', '*', 'item_ids', '*'],
] as const;
const RENDER_CACHE_SIZE = 2000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Answers that tell the caller to retry later are not the outcome of the request: like 5xx they are never
 * stored under its idempotency key, so a retry with the same key gets the real outcome.
 */
const RETRY_LATER_CODES = new Set([
  'payment_in_progress',
  'concurrent_modification',
  'idempotency_in_flight',
]);
function isRetryLater(r: { status: number; body: unknown }): boolean {
  if (r.status >= 500 || r.status === 429) return true;
  const code = (r.body as { code?: unknown } | null)?.code;
  return r.status === 409 && typeof code === 'string' && RETRY_LATER_CODES.has(code);
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

export function createCheckoutService(deps: CheckoutServiceDeps): CheckoutService {
  const config = resolveConfig(deps.config);
  const { store, catalog, pricing, gateway, clock, ids } = deps;
  const logger = deps.logger;
  const idemTtl = deps.idempotencyTtlSeconds ?? 24 * 60 * 60;
  const idemLock = deps.idempotencyLockSeconds ?? 60;

  const ctxNow = (): EngineContext => ({
    now: clock.now(),
    config,
    paymentLinks: gateway.createPaymentLink !== undefined,
  });
  const renderCache = new Map<string, CheckoutSession>();
  const json = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): ServiceResult<never> => ({
    status,
    body: body as never,
    headers,
    replayed: false,
  });
  const errorResult = (e: unknown): ServiceResult<never> => {
    const err = asAcpError(e);
    if (err.status >= 500)
      logger?.error('request failed', { code: err.code, cause: describeCause(err.cause) });
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    return json(err.status, toWireError(err), headers);
  };

  function parse<S extends z.ZodType>(schema: S, body: unknown, ctx: RequestContext): z.infer<S> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AcpError('invalid_request', 'The request body must be a JSON object.', {
        param: ctx.paramRoot ?? '$',
      });
    }
    // No field may carry a card number into storage, logs or answers (checked before the schema, whose
    // messages may quote keys). Catalog ids are looked up, never stored unmatched, and echoed redacted.
    const panParam = findPanField(body, { root: ctx.paramRoot ?? '$', skip: LOOKUP_ID_FIELDS });
    if (panParam) throw new AcpError('invalid', panRefusalMessage(panParam), { param: panParam });
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    let path = issue.path;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      path = [...issue.path, issue.keys[0] ?? ''];
      message = `Unknown field "${issue.keys[0]}"`;
    }
    const param = toJsonPath(path, ctx.paramRoot ?? '$');
    throw new AcpError('invalid', `${param}: ${message}`, { param });
  }

  // ---------------------------------------------------------------------------------------- idempotency

  interface IdemRef {
    scope: string;
    key: string;
  }

  /**
   * Runs a POST under the ACP idempotency rules (rfc.agentic_checkout §6): the key is required; a repeat with
   * the same body replays the stored response; a different body is 422; a concurrent duplicate is 409; a 5xx
   * is never stored. `run` may store the response itself inside its final commit (same transaction) and
   * then returns `stored: true`.
   */
  async function idempotent<T>(
    method: string,
    path: string,
    body: unknown,
    ctx: RequestContext,
    run: (idem: IdemRef | undefined) => Promise<{ result: ServiceResult<T>; stored: boolean }>,
  ): Promise<ServiceResult<T>> {
    const versionError = checkApiVersion(ctx.apiVersion);
    if (versionError) return errorResult(versionError);
    const key = ctx.idempotencyKey;
    if ((key === undefined || key === '') && ctx.idempotency === 'optional') {
      // No replay protection was asked for: run once, recording nothing.
      try {
        return (await run(undefined)).result;
      } catch (e) {
        return errorResult(e);
      }
    }
    if (key === undefined || key === '') {
      return errorResult(
        new AcpError('idempotency_key_required', 'An Idempotency-Key is required on every POST request.'),
      );
    }
    if (key.length > 255) {
      return errorResult(
        new AcpError('invalid_request', 'The Idempotency-Key must be at most 255 characters.', {
          param: '$.idempotency_key',
        }),
      );
    }
    // Core never issues a session id that reads as a card number (createSession), so such an id is unknown:
    // answered before anything (its idempotency scope included) is stored.
    if (containsPan(path)) {
      return errorResult(
        new AcpError('session_not_found', 'No checkout session with this id.', { param: '$.id' }),
      );
    }
    // Only a digest of the key is stored (a key may hold anything a client put there, a card number too). A
    // plain SHA-256 of a card number is reversed by trying the 10^6 middle digits, so card numbers in a key are
    // removed before hashing (keys differing only there share one record); an ordinary key is hashed as is.
    const idem: IdemRef = { scope: `${ctx.caller} ${method} ${path}`, key: sha256Hex(redactPans(key)) };
    let requestHash: string;
    try {
      requestHash = sha256Hex(canonicalJson(body === undefined ? null : body));
    } catch {
      return errorResult(new AcpError('invalid_request', 'The request body is not valid JSON.'));
    }
    const now = clock.now();
    const begun = await store.idempotencyBegin({
      ...idem,
      requestHash,
      now: now.toISOString(),
      lockUntil: new Date(now.getTime() + idemLock * 1000).toISOString(),
      expiresAt: new Date(now.getTime() + idemTtl * 1000).toISOString(),
    });
    switch (begun.kind) {
      case 'replay':
        return {
          status: begun.response.status,
          body: begun.response.body as T,
          headers: { ...(begun.response.headers ?? {}), 'idempotent-replayed': 'true' },
          replayed: true,
        };
      case 'conflict':
        return errorResult(
          new AcpError(
            'idempotency_conflict',
            'This Idempotency-Key was already used with a different request body.',
          ),
        );
      case 'in_flight': {
        const wait = Math.max(1, Math.ceil((Date.parse(begun.lockUntil) - now.getTime()) / 1000));
        return errorResult(
          new AcpError(
            'idempotency_in_flight',
            'A request with this Idempotency-Key is still being processed.',
            {
              retryAfterSeconds: Math.min(wait, 5),
            },
          ),
        );
      }
      case 'started':
        break;
    }
    let outcome: { result: ServiceResult<T>; stored: boolean };
    try {
      outcome = await run(idem);
    } catch (e) {
      outcome = { result: errorResult(e), stored: false };
    }
    const { result } = outcome;
    try {
      if (isRetryLater(result)) await store.idempotencyRelease(idem.scope, idem.key);
      else if (!outcome.stored) await store.idempotencyFinish({ ...idem, response: toStored(result) });
    } catch (e) {
      logger?.warn('could not record idempotent response', { cause: describeCause(e) });
    }
    return result;
  }

  const toStored = (r: ServiceResult<unknown>): StoredResponse => ({
    status: r.status,
    body: r.body,
    headers: Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'idempotent-replayed')),
  });

  // ---------------------------------------------------------------------------------------- helpers

  /**
   * Object-level authorization: a session owned by another caller answers exactly like an unknown id. Sessions
   * without an owner (stored before owners existed) stay open to every caller; `internal` sees all.
   */
  function assertOwner(state: SessionState, ctx: Pick<RequestContext, 'caller'>): void {
    if (state.owner === undefined || ctx.caller === INTERNAL_CALLER || state.owner === ctx.caller) return;
    throw new AcpError('session_not_found', `No checkout session with id "${state.id}".`, { param: '$.id' });
  }

  /** Loads a session for `ctx.caller` only to check it may touch it (before any state change). */
  async function authorize(id: string, ctx: Pick<RequestContext, 'caller'>): Promise<void> {
    const stored = await store.getSession(id);
    if (stored) assertOwner(stored.state, ctx);
  }

  async function load(id: string): Promise<{ state: SessionState; version: number }> {
    const stored = await store.getSession(id);
    if (!stored)
      throw new AcpError('session_not_found', `No checkout session with id "${redactPans(id)}".`, {
        param: '$.id',
      });
    return stored;
  }

  async function cartInputs(
    state: Pick<SessionState, 'currency' | 'lines' | 'fulfillmentDetails'>,
    items: CheckoutSessionUpdateRequest['line_items'],
    address: SessionState['fulfillmentDetails'],
  ): Promise<{ drafts: LineDraft[]; quote: Awaited<ReturnType<PricingV1['quote']>> }> {
    let drafts: LineDraft[];
    if (items) {
      const products = await catalog.getProducts(requestedItemIds(items));
      const resolved = resolveLines(items, products, state.currency, config);
      if (!resolved.ok) throw resolved.error;
      drafts = resolved.drafts;
    } else {
      const products: Product[] = await catalog.getProducts(state.lines.map((l) => l.itemId));
      drafts = draftsFromState(state.lines, products);
    }
    const quote = await pricing.quote({
      currency: state.currency,
      lines: pricingLines(drafts),
      ...(address?.address ? { address: address.address } : {}),
      now: clock.now().toISOString(),
    });
    return { drafts, quote };
  }

  function sessionResponse(status: number, state: SessionState, order?: OrderRecord | null): ServiceResult {
    return json(status, toWireSession(state, config, order ?? null));
  }

  async function orderFor(state: SessionState): Promise<OrderRecord | null> {
    return state.orderId ? store.getOrderBySession(state.id) : null;
  }

  async function runEffects(effects: readonly Effect[]): Promise<void> {
    for (const effect of effects) {
      try {
        switch (effect.type) {
          case 'inventory.commit':
            await catalog.commitInventory?.({ orderId: effect.orderId, lines: effect.lines });
            break;
          case 'event.emit':
            try {
              await emit(effect.event);
            } finally {
              // Bounded like a read's recovery: a hanging PSP never holds the answer; the pull goes on.
              if (effect.event.type === 'order_created')
                await withinReadBudget(pullRefunds(effect.event.order));
            }
            break;
          case 'payment.cancel':
            cancelAtPsp(effect.paymentId);
            break;
          case 'payment.charge':
          case 'payment.resume':
          case 'payment_link.create':
          case 'payment_link.expire':
            // PSP effects run inside their operation (executePayment, createPaymentLink, cancelSession),
            // because their outcome decides the answer; they never reach the post-commit effects.
            break;
          default:
            assertNever(effect, 'effect');
        }
      } catch (e) {
        logger?.warn('post-commit effect failed', { effect: effect.type, cause: describeCause(e) });
      }
    }
  }

  /** Records one PSP refund fact in an order's ledger (the webhook's and `pullRefunds`'s one path). */
  async function applyOrderRefund(
    orderId: string,
    refund: {
      refundId: string;
      status: RefundUpdate['status'];
      amount: number;
      currency: string;
      reason?: string;
    },
  ): Promise<boolean> {
    const updated = await store.upsertOrderRefund(
      orderId,
      {
        refundId: refund.refundId,
        status: refund.status,
        amount: refund.amount,
        currency: refund.currency,
        at: clock.now().toISOString(),
        ...(refund.reason ? { reason: refund.reason } : {}),
      },
      clock.now().toISOString(),
    );
    if (!updated?.changed) return false;
    await runEffects([
      { type: 'event.emit', event: { type: 'order_updated', order: updated.record, reason: 'refund' } },
    ]);
    return true;
  }

  /**
   * A new order's payment may have been refunded already: a refund made while no order existed yet (a charge
   * that succeeded late, a link paid on a canceled or expired session) has its `refund.updated` answered
   * `no_order` and never redelivered. So once an order is placed (any path) the PSP's refunds of its payment
   * are pulled (`listRefunds`) and applied through the webhook's upsert. Post-commit and best effort (waited
   * for at most `readRecoveryBudgetMs`, then it goes on in the background): a failure is logged at error level
   * for the operator (the order may then show less refunded than the PSP). Never throws.
   */
  async function pullRefunds(record: OrderRecord): Promise<void> {
    if (!gateway.listRefunds || !record.paymentId) return;
    try {
      const refunds = await gateway.listRefunds(record.paymentId);
      for (const r of refunds) {
        const applied = await applyOrderRefund(record.order.id, r);
        if (applied) {
          logger?.error(
            "a new order's payment was refunded before the order existed: recorded on the order",
            {
              orderId: record.order.id,
              paymentId: record.paymentId,
              refundId: r.refundId,
              refundStatus: r.status,
            },
          );
        }
      }
    } catch (e) {
      logger?.error("could not read the refunds of a new order's payment; check the PSP for refunds", {
        orderId: record.order.id,
        paymentId: record.paymentId,
        cause: describeCause(e),
      });
    }
  }

  /**
   * Cancels a PSP payment nobody will finish (3DS abandoned), in the background: a PSP outage never blocks or
   * fails the request that made it obsolete. Retried with backoff, then logged for the operator.
   */
  function cancelAtPsp(paymentId: string): void {
    const cancel = gateway.cancelPayment?.bind(gateway);
    if (!cancel) return;
    const tries = 4;
    const run = async () => {
      for (let i = 0; i < tries; i++) {
        try {
          const r = await cancel(paymentId);
          if (r.status !== 'retryable_failure') return;
        } catch (e) {
          logger?.debug?.('payment cancel failed; retrying', { paymentId, cause: describeCause(e) });
        }
        if (i < tries - 1) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** i));
      }
      logger?.warn('could not cancel an abandoned payment at the payment provider; cancel it there', {
        paymentId,
      });
    };
    void run().catch(() => undefined);
  }

  async function emit(event: DomainEvent): Promise<void> {
    if (!deps.events) return;
    await deps.events.emit(event);
  }

  /** Commits a transition with compare-and-set. */
  async function commit(
    t: Transition,
    expectedVersion: number | null,
    idem?: { ref: IdemRef; response: ServiceResult<unknown> },
  ): Promise<boolean> {
    const r = await store.commit({
      session: t.state,
      expectedVersion,
      ...(t.order ? { order: t.order } : {}),
      ...(t.attempts.length ? { attempts: t.attempts } : {}),
      ...(idem && !isRetryLater(idem.response)
        ? { idempotency: { ...idem.ref, response: toStored(idem.response) } }
        : {}),
    });
    return r.ok;
  }

  /**
   * The expiry transition of a session past its `expires_at`, or undefined. A session waiting for 3DS gets
   * its waiting attempt, so that the expiry abandons it and cancels its payment at the PSP.
   */
  async function expiryOf(state: SessionState): Promise<Transition | undefined> {
    const t = expireIfDue(state, ctxNow());
    if (!t || state.status !== 'authentication_required' || !state.currentAttemptId) return t;
    const waiting = await store.getPaymentAttempt(state.currentAttemptId);
    return expireIfDue(state, ctxNow(), waiting ?? undefined);
  }

  /**
   * Load → expire if due → decide → commit, retried on version conflicts. `decide` may return a final
   * response without a transition.
   */
  async function casLoop<T>(
    id: string,
    decide: (stored: { state: SessionState; version: number }) => Promise<Decision | ServiceResult<T>>,
    respond: (t: Transition) => Promise<ServiceResult<T>> | ServiceResult<T>,
    idem?: IdemRef,
  ): Promise<{ result: ServiceResult<T>; stored: boolean; transition?: Transition }> {
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      let stored = await load(id);
      const expired = await expiryOf(stored.state);
      if (expired) {
        if (!(await commit(expired, stored.version))) continue;
        await runEffects(expired.effects);
        stored = { state: expired.state, version: stored.version + 1 };
      }
      const decision = await decide(stored);
      if ('status' in decision) return { result: decision, stored: false };
      if (!decision.ok) return { result: errorResult(decision.error), stored: false };
      const t = decision.transition;
      const result = await respond(t);
      const committed = await commit(t, stored.version, idem ? { ref: idem, response: result } : undefined);
      if (!committed) continue;
      return { result, stored: idem !== undefined && !isRetryLater(result), transition: t };
    }
    return {
      result: errorResult(
        new AcpError(
          'concurrent_modification',
          'The checkout session changed concurrently; retry the request.',
          {
            retryAfterSeconds: 1,
          },
        ),
      ),
      stored: false,
    };
  }

  // ---------------------------------------------------------------------------------------- payments

  /** What executing a payment effect produced: the PSP's answer, or proof that the attempt charged nothing. */
  type ChargeOutcome =
    | { result: ChargeResult; sent: boolean; listScan?: PaymentAttempt['listScan'] }
    | { close: true };
  type ChargePlan = ReturnType<typeof pendingChargePlan>;

  /**
   * Executes a payment effect of a committed transition: `payment.charge` sends the charge; `payment.resume`
   * (an attempt whose outcome is unknown) first looks the payment up and only then, if `plan` allows it, sends
   * the same request again under the same PSP key.
   *
   * A 5xx saved under the key (Stripe saves the first response of a request whose execution began, 500s
   * included, and replays it for 24 h) would make every resend answer the same 5xx. Such an attempt is closed
   * as uncharged only when `plan.close` (the timing rule of `pendingChargePlan`) holds AND the gateway's
   * lookup PROVES that no payment exists: a `list` proof (a read-after-write consistent scan of every send's
   * window, which core passes) or a `payment` proof (the payment itself shows no charge). A search that finds
   * nothing is never proof: Stripe's search lags writes, and lags more during an outage, which a 5xx is. A
   * payment found at any point wins (one charge, one order).
   */
  async function executePayment(
    effect: Extract<Effect, { type: 'payment.charge' | 'payment.resume' }>,
    plan?: ChargePlan,
  ): Promise<ChargeOutcome> {
    const attempt = effect.attempt;
    let sent = false;
    try {
      if (effect.type === 'payment.resume') {
        let listScan: PaymentAttempt['listScan'];
        if (gateway.reconcile) {
          const window = sendWindow(attempt, config);
          // In the closing phase (nothing of ours can still be executing under the key) a scan of the same
          // window that an earlier pass cut short continues where it stopped.
          const scan = attempt.listScan;
          const resume =
            plan?.close && scan && scan.sentFrom === window.sentFrom && scan.sentUntil === window.sentUntil
              ? { resumeAfter: scan.after }
              : {};
          const found = await gateway.reconcile(attempt, { ...window, ...resume });
          if (found.status !== 'not_found') return { result: found, sent: false };
          if (plan?.close && (found.proof === 'list' || found.proof === 'payment')) return { close: true };
          if (plan?.close && found.resumeAfter) {
            listScan = { ...window, after: found.resumeAfter };
            logger?.warn(
              'a charge whose key answered a 5xx: its List API window is large; the scan goes on',
              {
                attemptId: attempt.id,
              },
            );
          } else if (plan?.close && (found.proof === 'search' || found.proof === 'none')) {
            // The gateway cannot prove it: the session stays complete_in_progress. Tell the operator.
            logger?.error(
              'a charge whose key answered a 5xx cannot be proven uncharged; check the PSP for a payment under its key',
              {
                sessionId: attempt.sessionId,
                attemptId: attempt.id,
                idempotencyKey: attempt.idempotencyKey,
                proof: found.proof,
              },
            );
            await runEffects([
              {
                type: 'event.emit',
                event: {
                  type: 'payment_unconfirmed',
                  sessionId: attempt.sessionId,
                  attemptId: attempt.id,
                  idempotencyKey: attempt.idempotencyKey,
                  since: attempt.serverError?.firstAt ?? attempt.createdAt,
                  proof: found.proof,
                },
              },
            ]);
          }
        }
        if (plan && !plan.send) {
          return {
            result: {
              status: 'retryable_failure',
              reason: 'server_error',
              message: 'The payment provider failed; waiting to confirm that nothing was charged.',
              retryAfterSeconds: plan.retryAfterSeconds ?? 5,
            },
            sent: false,
            ...(listScan ? { listScan } : {}),
          };
        }
      }
      if (!attempt.credentialToken || !attempt.handlerId) {
        return {
          result: {
            status: 'declined',
            code: 'missing_credential',
            message: 'The payment token is missing.',
          },
          sent: false,
        };
      }
      const state = await store.getSession(attempt.sessionId);
      const email = state?.state.buyer?.email;
      sent = true;
      const result = await gateway.charge({
        sessionId: attempt.sessionId,
        attemptId: attempt.id,
        attemptNumber: attempt.number,
        idempotencyKey: attempt.idempotencyKey,
        amount: attempt.amount,
        currency: attempt.currency,
        handlerId: attempt.handlerId,
        instrumentType: attempt.instrumentType ?? 'card',
        credential: { type: attempt.credentialType ?? 'spt', token: attempt.credentialToken },
        metadata: { checkout_session_id: attempt.sessionId, attempt: String(attempt.number) },
        ...(email ? { buyerEmail: email } : {}),
        ...(attempt.continuesAttemptId && attempt.paymentId ? { continuePaymentId: attempt.paymentId } : {}),
        ...(attempt.authenticationResult ? { authenticationResult: attempt.authenticationResult } : {}),
        ...(attempt.authenticationAvailable === false ? { authenticationAvailable: false } : {}),
      });
      return { result, sent: true };
    } catch (e) {
      logger?.warn('payment gateway threw; treating the outcome as unknown', { cause: describeCause(e) });
      return {
        result: {
          status: 'retryable_failure',
          reason: 'unknown',
          message: 'The payment provider did not answer.',
        },
        sent,
      };
    }
  }

  /** Applies a charge outcome and answers the request that triggered it. */
  async function finalizeCharge(
    sessionId: string,
    attempt: PaymentAttempt,
    outcome: ChargeOutcome,
    idem: IdemRef | undefined,
  ): Promise<{ result: ServiceResult; stored: boolean; closed?: boolean }> {
    const orderId = ids.orderId();
    const result = 'close' in outcome ? undefined : outcome.result;
    let superseded: SessionState | undefined;
    const done = await casLoop<CheckoutSession>(
      sessionId,
      async ({ state }) => {
        if (state.currentAttemptId !== attempt.id || state.status !== 'complete_in_progress') {
          // Someone else applied an outcome first; answer with the current state.
          superseded = state;
          return sessionResponse(200, state, await orderFor(state));
        }
        if (!result) return { ok: true, transition: closeUnchargedAttempt(state, attempt, ctxNow()) };
        return {
          ok: true,
          transition: applyChargeResult(
            state,
            attempt,
            result,
            { ...ctxNow(), orderId },
            {
              sent: 'sent' in outcome && outcome.sent,
              ...('listScan' in outcome && outcome.listScan ? { listScan: outcome.listScan } : {}),
            },
          ),
        };
      },
      (t) => {
        if (result?.status === 'retryable_failure') {
          const retryAfterSeconds = result.retryAfterSeconds ?? 2;
          return errorResult(
            result.reason === 'rate_limited'
              ? new AcpError(
                  'rate_limited',
                  'The payment provider is rate limiting requests. Nothing was charged twice; retry the request after Retry-After seconds.',
                  { retryAfterSeconds },
                )
              : new AcpError(
                  'payment_unavailable',
                  'The payment provider is unavailable or did not confirm the payment. Nothing was charged twice; retry the request to continue.',
                  { retryAfterSeconds },
                ),
          );
        }
        return sessionResponse(200, t.state, t.order);
      },
      result === undefined || result.status === 'retryable_failure' ? undefined : idem,
    );
    if (done.transition) await runEffects(done.transition.effects);
    if (superseded && result?.status === 'succeeded') {
      // This attempt charged, but the session already has another outcome (e.g. a hosted link paid first, or
      // the attempt was closed while a send of it hung past its lease): never drop the money. It is the
      // order's payment; or it becomes the order if the session can still take one (the payment wins); or it
      // is refunded (a duplicate of the order, a payment while another attempt is in flight, a short one).
      const late = await settleLateCharge(sessionId, attempt, result);
      if (late.placed) return { result: late.placed, stored: false };
      const order = late.order;
      if (order?.paymentId !== result.paymentId) {
        const extra: ExtraPayment = {
          sessionId,
          paymentId: result.paymentId,
          amount: result.amount,
          currency: result.currency,
          ...(order ? { orderId: order.order.id } : {}),
        };
        try {
          await settleExtraPayment(
            extra,
            late.canceled ? 'canceled' : late.short ? 'underpaid' : 'duplicate',
          );
        } catch (e) {
          // Nothing redelivers this one (it is not a webhook): hand it to the operator.
          const reason =
            'The automatic refund of a duplicate payment could not be made now; refund it at the PSP.';
          logger?.error('could not refund a duplicate payment; refund it at the PSP', {
            sessionId,
            paymentId: result.paymentId,
            cause: describeCause(e),
          });
          await runEffects([
            { type: 'event.emit', event: { type: 'unmatched_payment', payment: extra, reason } },
          ]);
        }
      }
    }
    if (result === undefined && done.transition) {
      // A closed charge: the request that asked for it starts a new attempt (new key). A 3DS continuation that
      // went back to authentication_required answers with that state, which is then stored under the request's
      // key like any final answer: the engine never resends an authentication result under a new key itself.
      if (done.transition.state.status === 'authentication_required') return { ...done, stored: false };
      return { ...done, closed: true };
    }
    return done;
  }

  /**
   * A charge of `attempt` that succeeded when the session had moved on (see finalizeCharge). When the session
   * has no order and can still take one (`linkPaymentDisposition` is `order`) and the payment covers it, it
   * becomes the order (`placed`: the answer). Otherwise the caller refunds it (`order`: the session's order,
   * if any; `short`: the payment falls short of the session; `canceled`: the buyer canceled the session after
   * this attempt was closed, and that explicit cancel is not overridden by a server-side charge the buyer was
   * told did not go through. A hosted link the buyer paid still wins: that is `applyPaymentLinkEvent`).
   */
  async function settleLateCharge(
    sessionId: string,
    attempt: PaymentAttempt,
    payment: Extract<ChargeResult, { status: 'succeeded' }>,
  ): Promise<{ placed?: ServiceResult; order: OrderRecord | null; short?: boolean; canceled?: boolean }> {
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      const stored = await store.getSession(sessionId);
      const order = stored ? await store.getOrderBySession(sessionId) : null;
      if (!stored || order || linkPaymentDisposition(stored.state) !== 'order') return { order };
      // A cancel is refused while an attempt is in flight, so a canceled session was canceled after this
      // attempt was closed: the buyer's explicit cancel stands, the late charge is refunded.
      if (stored.state.status === 'canceled') return { order, canceled: true };
      if (paymentFallsShort(stored.state, payment)) return { order, short: true };
      const waiting =
        stored.state.status === 'authentication_required' && stored.state.currentAttemptId
          ? ((await store.getPaymentAttempt(stored.state.currentAttemptId)) ?? undefined)
          : undefined;
      const t = placeLateCharge(
        stored.state,
        attempt,
        payment,
        { ...ctxNow(), orderId: ids.orderId() },
        waiting,
      );
      if (!(await commit(t, stored.version))) continue;
      logger?.error('a charge succeeded after its attempt was closed: it is the order (the payment wins)', {
        sessionId,
        attemptId: attempt.id,
        paymentId: payment.paymentId,
        previousStatus: stored.state.status,
      });
      await runEffects(t.effects);
      return { placed: sessionResponse(200, t.state, t.order), order: t.order ?? null };
    }
    return { order: await store.getOrderBySession(sessionId) };
  }

  /**
   * Resume a pending attempt whose lease passed (returns undefined when not applicable). `purpose` `cancel`
   * only looks the payment up (and closes a proven-uncharged attempt): a cancel never sends a charge.
   */
  async function resumePending(
    state: SessionState,
    version: number,
    idem: IdemRef | undefined,
    purpose: 'pay' | 'cancel' = 'pay',
  ): Promise<{ result: ServiceResult; stored: boolean; closed?: boolean } | undefined> {
    if (state.status !== 'complete_in_progress' || !state.currentAttemptId) return undefined;
    const attempt = await store.getPaymentAttempt(state.currentAttemptId);
    if (!attempt) return undefined;
    const plan = pendingChargePlan(attempt, ctxNow(), purpose);
    const d = resumeAttempt(state, attempt, ctxNow(), { send: plan.send });
    if (!d.ok) return { result: errorResult(d.error), stored: false };
    if (!(await commit(d.transition, version))) {
      return {
        result: errorResult(
          new AcpError('payment_in_progress', 'A payment for this checkout session is being processed.', {
            retryAfterSeconds: 1,
          }),
        ),
        stored: false,
      };
    }
    const effect = paymentEffectOf(d.transition);
    if (!effect) return undefined;
    return finalizeCharge(state.id, effect.attempt, await executePayment(effect, plan), idem);
  }

  /**
   * A payment the PSP took for a session that is not (and cannot become) that session's order: a second
   * payment for an already paid session. It is refunded automatically, in full, with reason `duplicate` and an
   * idempotency key derived from the payment id (so however many instances or redelivered webhooks see it,
   * the PSP refunds it once), logged at error level and reported with a `payment_refunded_duplicate` event;
   * when the refund cannot be made, an `unmatched_payment` event asks the operator to act. A refund the PSP
   * cannot take right now throws (a webhook then answers non-2xx and is redelivered).
   */
  async function settleExtraPayment(
    payment: ExtraPayment,
    /** `duplicate`: the session has its order already (or another payment in flight); `underpaid`: a payment
     * that falls short of the session (`paymentFallsShort`); `canceled`: a server-side charge that succeeded
     * late for a session the buyer canceled after its attempt was closed. All are refunded in full, once per
     * payment. */
    why: 'duplicate' | 'underpaid' | 'canceled',
  ): Promise<void> {
    const what = why === 'duplicate' ? 'duplicate' : why === 'underpaid' ? 'short' : "canceled session's";
    const fields = {
      sessionId: payment.sessionId,
      paymentId: payment.paymentId,
      ...(payment.orderId ? { orderId: payment.orderId } : {}),
      amount: payment.amount,
      currency: payment.currency,
    };
    const stored = why !== 'duplicate' ? await store.getSession(payment.sessionId) : null;
    const expected = stored
      ? { amount: stored.state.totals.total, currency: stored.state.currency }
      : { amount: 0, currency: payment.currency };
    if (!gateway.refund) {
      const reason = `The payment gateway cannot refund: refund this ${what} payment at the PSP.`;
      logger?.error('a payment does not match any order', { ...fields, reason });
      await runEffects([{ type: 'event.emit', event: { type: 'unmatched_payment', payment, reason } }]);
      return;
    }
    logger?.error(
      why === 'duplicate'
        ? 'a second payment for an already paid checkout session: refunding it as a duplicate'
        : why === 'underpaid'
          ? 'a payment that does not cover its checkout session (amount or currency): refunding it, no order'
          : 'a charge succeeded late for a checkout session the buyer canceled: refunding it, no order',
      why === 'duplicate' ? fields : { ...fields, expected },
    );
    let r: Awaited<ReturnType<NonNullable<PaymentGatewayV1['refund']>>>;
    try {
      r = await gateway.refund({
        orderId: payment.orderId ?? payment.sessionId,
        paymentId: payment.paymentId,
        currency: payment.currency,
        ...(why === 'duplicate'
          ? { reason: 'duplicate' as const }
          : why === 'canceled'
            ? { reason: 'requested_by_customer' as const }
            : {}),
        // One key per payment, whatever the reason: an automatic refund of one payment happens once.
        idempotencyKey: duplicateRefundKey(payment.paymentId),
      });
    } catch (e) {
      r = { status: 'failed', retryable: true, message: describeCause(e) ?? 'The refund call failed.' };
    }
    if (r.status === 'failed') {
      if (r.retryable) {
        throw new AcpError('payment_unavailable', 'Could not refund a duplicate payment yet; retry.', {
          retryAfterSeconds: 30,
        });
      }
      const reason = `The automatic refund of a ${what} payment failed: ${r.message}`;
      logger?.error('could not refund a payment automatically; refund it at the PSP', { ...fields, reason });
      await runEffects([{ type: 'event.emit', event: { type: 'unmatched_payment', payment, reason } }]);
      return;
    }
    const refund = { refundId: r.refundId, status: r.status };
    await runEffects([
      {
        type: 'event.emit',
        event:
          why === 'duplicate'
            ? { type: 'payment_refunded_duplicate', payment, refund }
            : { type: 'payment_refunded_unmatched', payment, reason: why, expected, refund },
      },
    ]);
  }

  /** The session's own recorded attempt of the PSP link `linkId`, if this session opened that link. */
  async function ownLinkAttempt(state: SessionState, linkId: string): Promise<PaymentAttempt | undefined> {
    if (state.paymentLink?.linkId === linkId) {
      const current = await store.getPaymentAttempt(state.paymentLink.attemptId);
      if (current && isOwnLinkAttempt(current, state.id, linkId)) return current;
    }
    return (await store.listPaymentAttempts(state.id)).find((a) => isOwnLinkAttempt(a, state.id, linkId));
  }

  // ---------------------------------------------------------------------------------------- links

  /**
   * Asks the PSP about the open payment link of an `in_progress` session and applies what it says through the
   * same transitions as the webhooks (so a paid link gives exactly one order however many processes do this).
   */
  async function reconcileLink(state: SessionState): Promise<'completed' | 'reopened' | 'open' | 'unknown'> {
    const link = state.paymentLink;
    if (state.status !== 'in_progress' || !link || !gateway.retrievePaymentLink) return 'open';
    let found: PaymentLinkStatus;
    try {
      found = await gateway.retrievePaymentLink(link.linkId);
    } catch (e) {
      logger?.warn('payment link lookup failed', { cause: describeCause(e) });
      return 'unknown';
    }
    try {
      switch (found.status) {
        case 'paid':
          await service.handlePaymentEvent({
            type: 'payment_link.succeeded',
            sessionId: state.id,
            linkId: link.linkId,
            paymentId: found.paymentId,
            amount: found.amount,
            currency: found.currency,
          });
          return 'completed';
        case 'expired':
          await service.handlePaymentEvent({
            type: 'payment_link.expired',
            sessionId: state.id,
            linkId: link.linkId,
          });
          return 'reopened';
        case 'open':
          return 'open';
        default:
          return 'unknown';
      }
    } catch (e) {
      logger?.warn('could not apply a payment link outcome', { cause: describeCause(e) });
      return 'unknown';
    }
  }

  // ---------------------------------------------------------------------------------------- reads

  /** One background recovery per session per process; reads share it. */
  const recoveries = new Map<string, Promise<void>>();
  /** When this process last asked the PSP about a session's open link (clock ms), bounded in size. */
  const linkChecks = new Map<string, number>();

  /**
   * Whether a read of an `in_progress` session should ask the PSP about its link: not within the interval
   * after the link opened (webhooks normally arrive by then) nor after this process last asked.
   */
  function linkCheckDue(id: string, openedAt: string): boolean {
    const now = clock.now().getTime();
    if (now - lastLinkCheck(id, openedAt) < config.linkCheckIntervalSeconds * 1000) return false;
    markLinkCheck(id, now);
    return true;
  }

  /** When this process last asked the PSP about a session's link, or when the link opened if later. */
  function lastLinkCheck(id: string, openedAt: string): number {
    return Math.max(linkChecks.get(id) ?? 0, Date.parse(openedAt) || 0);
  }

  function markLinkCheck(id: string, now: number): void {
    linkChecks.delete(id);
    linkChecks.set(id, now);
    if (linkChecks.size > 10_000) linkChecks.delete(linkChecks.keys().next().value!);
  }

  /** Starts (or joins) the recovery of one session: a pending charge, or an open payment link. */
  function recoverSession(id: string): Promise<void> {
    let running = recoveries.get(id);
    if (!running) {
      running = (async () => {
        const stored = await store.getSession(id);
        if (!stored) return;
        if (stored.state.status === 'complete_in_progress') {
          await resumePending(stored.state, stored.version, undefined);
        } else if (stored.state.status === 'in_progress') {
          await reconcileLink(stored.state);
        }
      })()
        .catch((e) => logger?.warn('background payment recovery failed', { cause: describeCause(e) }))
        .finally(() => recoveries.delete(id));
      recoveries.set(id, running);
    }
    return running;
  }

  /** Waits for `work` at most `readRecoveryBudgetMs`: a read answers promptly even when the PSP hangs. */
  async function withinReadBudget(work: Promise<void>): Promise<void> {
    const ms = config.readRecoveryBudgetMs;
    if (ms <= 0) return;
    let timer: unknown;
    await Promise.race([
      work,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer as never);
  }

  // ---------------------------------------------------------------------------------------- operations

  const service: CheckoutService = {
    config,

    async createSession(body, ctx) {
      return idempotent('POST', '/checkout_sessions', body, ctx, async (idem) => {
        const request = parse(CheckoutSessionCreateRequest, body, ctx);
        const currency = request.currency.toLowerCase();
        const cart = await cartInputs(
          { currency, lines: [], fulfillmentDetails: request.fulfillment_details },
          request.line_items,
          request.fulfillment_details,
        );
        const owner = ctx.caller === INTERNAL_CALLER ? {} : { owner: ctx.caller };
        let sessionId = ids.sessionId();
        for (let i = 0; i < 16 && containsPan(sessionId); i++) sessionId = ids.sessionId();
        const d = createSession({ id: sessionId, request, ...owner, ...cart }, ctxNow());
        if (!d.ok) return { result: errorResult(d.error), stored: false };
        const result = sessionResponse(201, d.transition.state);
        if (!(await commit(d.transition, null, idem ? { ref: idem, response: result } : undefined))) {
          throw new AcpError(
            'internal_error',
            'Could not store the new checkout session; retry the request.',
          );
        }
        return { result, stored: idem !== undefined };
      });
    },

    async getSession(id, ctx) {
      const versionError = checkApiVersion(ctx.apiVersion);
      if (versionError) return errorResult(versionError);
      try {
        let stored = await load(id);
        assertOwner(stored.state, ctx);
        const expired = await expiryOf(stored.state);
        if (expired && (await commit(expired, stored.version))) {
          await runEffects(expired.effects);
          stored = { state: expired.state, version: stored.version + 1 };
        }
        // Payment recovery runs off the request path: the read waits for it only a bounded time, so a GET
        // answers promptly even when the PSP hangs (the recovery goes on in the background).
        const status = stored.state.status;
        if (
          status === 'complete_in_progress' ||
          (status === 'in_progress' && linkCheckDue(id, stored.state.updatedAt))
        ) {
          await withinReadBudget(recoverSession(id));
          stored = await load(id);
        }
        const order = await orderFor(stored.state);
        // A session renders the same until its version (or its order) changes: reuse the frozen rendering.
        const key = `${id}\u0000${stored.version}\u0000${order?.updatedAt ?? ''}`;
        let body = renderCache.get(key);
        if (!body) {
          body = deepFreeze(toWireSession(stored.state, config, order));
          renderCache.set(key, body);
          if (renderCache.size > RENDER_CACHE_SIZE) renderCache.delete(renderCache.keys().next().value!);
        }
        return json(200, body);
      } catch (e) {
        return errorResult(e);
      }
    },

    async updateSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}`, body, ctx, async (idem) => {
        const request = parse(CheckoutSessionUpdateRequest, body, ctx);
        await authorize(id, ctx);
        return casLoop(
          id,
          async ({ state }) => {
            const refused = permission(state, 'update');
            if (refused) return { ok: false, error: refused };
            const details = request.fulfillment_details ?? state.fulfillmentDetails;
            const cart = await cartInputs(state, request.line_items, details);
            return updateSession(state, request, cart, ctxNow());
          },
          (t) => sessionResponse(200, t.state),
          idem,
        );
      });
    },

    async completeSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}/complete`, body, ctx, async (idem) => {
        const request = parse(CheckoutSessionCompleteRequest, body, ctx);
        await authorize(id, ctx);
        // The credential is checked before anything about this attempt is stored or sent.
        const refused = credentialError(request, gateway, ctx.paramRoot ?? '$');
        if (refused) throw refused;
        for (let i = 0; i < MAX_CAS_RETRIES; i++) {
          let { state, version } = await load(id);
          const expired = await expiryOf(state);
          if (expired) {
            if (!(await commit(expired, version))) continue;
            await runEffects(expired.effects);
            state = expired.state;
            version += 1;
          }
          const requestKey = idem ? sha256Hex(`${idem.scope}\n${idem.key}`) : undefined;
          if (state.status === 'complete_in_progress' && state.currentAttemptId) {
            // A pending attempt (a crash, a lost answer, an outage) is resumed first, with its own PSP key.
            // Only the request that started it takes its outcome as its answer; any other request then runs
            // against the resulting state (a decline leaves the session payable for this request's token).
            const pending = await store.getPaymentAttempt(state.currentAttemptId);
            const own = requestKey !== undefined && pending?.requestKey === requestKey;
            const resumed = await resumePending(state, version, own ? idem : undefined);
            if (resumed) {
              // An attempt proven uncharged was closed: this request now starts a new one (new PSP key).
              if (resumed.closed) continue;
              if (own) return resumed;
              if (isRetryLater(resumed.result)) return { result: resumed.result, stored: false };
              continue;
            }
          }
          if (state.status === 'completed') {
            // A retry of the very request whose payment completed the session (its first answer was lost or
            // was a 503, and recovery finished it meanwhile) gets that outcome, not a conflict.
            const order = await store.getOrderBySession(id);
            const attempt = order?.attemptId ? await store.getPaymentAttempt(order.attemptId) : null;
            if (order && requestKey && attempt?.requestKey === requestKey) {
              return { result: sessionResponse(200, state, order), stored: false };
            }
          }
          const previous =
            state.status === 'authentication_required' && state.currentAttemptId
              ? ((await store.getPaymentAttempt(state.currentAttemptId)) ?? undefined)
              : undefined;
          const d = beginComplete(
            state,
            request,
            previous,
            { ...ctxNow() },
            requestKey ? { requestKey } : {},
          );
          if (!d.ok) return { result: errorResult(d.error), stored: false };
          const t = d.transition;
          const charge = paymentEffectOf(t);
          if (!charge) {
            // No PSP call needed (free order, denied 3DS, buyer data made the cart not ready).
            if (t.order) t.order = { ...t.order };
            const result = sessionResponse(200, t.state, t.order);
            if (!(await commit(t, version, idem ? { ref: idem, response: result } : undefined))) continue;
            await runEffects(t.effects);
            return { result, stored: idem !== undefined };
          }
          // The attempt is committed BEFORE the PSP is called.
          if (!(await commit(t, version))) continue;
          return finalizeCharge(id, charge.attempt, await executePayment(charge), idem);
        }
        return {
          result: errorResult(
            new AcpError('concurrent_modification', 'The checkout session changed concurrently; retry.', {
              retryAfterSeconds: 1,
            }),
          ),
          stored: false,
        };
      });
    },

    async cancelSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}/cancel`, body, ctx, async (idem) => {
        const request =
          body === undefined || body === null ? undefined : parse(CancelSessionRequest, body, ctx);
        await authorize(id, ctx);
        // A pending charge is looked up first (never resent: a cancel must not charge): once it is proven
        // uncharged (or declined) the session is payable again and may be canceled; while money may be
        // moving, cancel stays refused.
        const current = await load(id);
        if (current.state.status === 'complete_in_progress') {
          await resumePending(current.state, current.version, undefined, 'cancel');
        }
        const outcome = await casLoop(
          id,
          async ({ state }) => {
            const waiting =
              state.status === 'authentication_required' && state.currentAttemptId
                ? ((await store.getPaymentAttempt(state.currentAttemptId)) ?? undefined)
                : undefined;
            const d = cancelSession(state, request, ctxNow(), waiting);
            if (!d.ok) return d;
            const expire = d.transition.effects.find((e) => e.type === 'payment_link.expire');
            if (expire && expire.type === 'payment_link.expire' && gateway.expirePaymentLink) {
              const closed = await gateway.expirePaymentLink(expire.linkId);
              if (closed.status === 'retryable_failure') {
                throw new AcpError('payment_unavailable', 'Could not close the open payment link; retry.', {
                  retryAfterSeconds: 2,
                });
              }
              if (closed.status === 'completed') {
                await service.handlePaymentEvent({
                  type: 'payment_link.succeeded',
                  sessionId: id,
                  linkId: expire.linkId,
                  paymentId: closed.paymentId,
                  amount: closed.amount,
                  currency: closed.currency,
                });
                const after = await load(id);
                // A payment that fell short was refunded and the session is payable again: this stale
                // decision fails its commit and the cancel is decided again on the new state.
                if (after.state.status !== 'completed') return d;
                return { ok: false, error: permissionError(after.state) };
              }
            }
            return d;
          },
          (t) => sessionResponse(200, t.state),
          idem,
        );
        if (outcome.transition) await runEffects(outcome.transition.effects);
        return outcome;
      });
    },

    async createPaymentLink(id, ctx) {
      try {
        if (!gateway.createPaymentLink) {
          throw new AcpError(
            'unsupported_payment_handler',
            'This store has no hosted payment link provider.',
          );
        }
        await authorize(id, ctx);
        for (let i = 0; i < MAX_CAS_RETRIES; i++) {
          let { state, version } = await load(id);
          const expired = await expiryOf(state);
          if (expired) {
            if (!(await commit(expired, version))) continue;
            await runEffects(expired.effects);
            state = expired.state;
            version += 1;
          }
          const pending = state.pendingLinkAttemptId
            ? ((await store.getPaymentAttempt(state.pendingLinkAttemptId)) ?? undefined)
            : undefined;
          const d = beginPaymentLink(state, pending, ctxNow());
          if (!d.ok) return errorResult(d.error);
          const effect = d.transition.effects[0];
          if (effect?.type !== 'payment_link.create') {
            const link = state.paymentLink!;
            return json(200, { url: link.url, expires_at: link.expiresAt, checkout_session_id: id });
          }
          // Record the attempt before calling the PSP, so a retry after a lost answer sends the same request.
          if (!(await commit(d.transition, version))) continue;
          version += 1;
          let created: Awaited<ReturnType<NonNullable<PaymentGatewayV1['createPaymentLink']>>>;
          try {
            created = await gateway.createPaymentLink(effect.request);
          } catch (e) {
            logger?.warn('payment link provider failed; the attempt is kept for the retry', {
              cause: describeCause(e),
            });
            created = {
              status: 'retryable_failure',
              message: 'The payment provider did not answer; retry to get the link.',
            };
          }
          if (created.status === 'retryable_failure') {
            if (created.reason === 'server_error' || created.reason === 'key_conflict') {
              const dropped = abandonPaymentLinkAttempt(d.transition.state, effect.attempt, ctxNow());
              const committed = await commit(dropped, version);
              if (!committed) {
                logger?.warn('could not drop a payment link attempt after a PSP 5xx; a retry will');
              }
              // The PSP refused the key as used with other parameters: nobody has a link under it, so this call
              // goes on at once with a new attempt (new key).
              if (created.reason === 'key_conflict') {
                logger?.warn('payment link key refused as reused with other parameters; using a new key', {
                  attemptId: effect.attempt.id,
                });
                if (committed) continue;
              }
            }
            throw new AcpError('payment_unavailable', created.message, {
              retryAfterSeconds: created.retryAfterSeconds ?? 2,
            });
          }
          const t = paymentLinkOpened(d.transition.state, effect.attempt, created, ctxNow());
          if (!(await commit(t, version))) continue;
          return json(200, { url: created.url, expires_at: created.expiresAt, checkout_session_id: id });
        }
        throw new AcpError('concurrent_modification', 'The checkout session changed concurrently; retry.');
      } catch (e) {
        return errorResult(e);
      }
    },

    async handlePaymentEvent(event) {
      if (event.type === 'refund.updated') {
        const record = await store.getOrderByPayment(event.paymentId);
        if (!record) {
          // A refund of one of our payments whose order is not recorded yet (the PSP does not order its
          // webhooks: a refund can arrive before the payment's own event): throw, so the PSP redelivers it
          // later. A session that is completed already has its order from another payment (this refund is of
          // a duplicate payment); payments that are not ours are ignored.
          const stored = event.sessionId ? await store.getSession(event.sessionId) : null;
          if (stored && orderMayAppear(stored.state)) {
            throw new AcpError(
              'payment_in_progress',
              'The order for this refunded payment is not recorded yet; redeliver the event later.',
              { retryAfterSeconds: 60 },
            );
          }
          if (stored && stored.state.status !== 'completed') {
            // One of our payments that is no order and will not become one (the session is canceled, expired
            // or payable with nothing pending): e.g. an `unmatched_payment` the operator refunded. Answered, so
            // the PSP stops redelivering; logged for the operator.
            logger?.error(
              'a refund of a payment of ours that has no order (none will appear): not recorded',
              {
                sessionId: stored.state.id,
                status: stored.state.status,
                paymentId: event.paymentId,
                refundId: event.refundId,
                refundStatus: event.status,
              },
            );
            return { applied: false, reason: 'no_order' };
          }
          return { applied: false, reason: 'unknown_payment' };
        }
        if (await applyOrderRefund(record.order.id, event)) return { applied: true };
        return { applied: false, reason: 'duplicate' };
      }
      const orderId = ids.orderId();
      for (let i = 0; i < MAX_CAS_RETRIES; i++) {
        const stored = await store.getSession(event.sessionId);
        if (!stored) return { applied: false, reason: 'unknown_session' };
        let own: PaymentAttempt | undefined;
        if (event.type === 'payment_link.succeeded') {
          if (stored.state.status === 'completed') {
            const order = await store.getOrderBySession(event.sessionId);
            if (order?.paymentId === event.paymentId) return { applied: false, reason: 'no_change' };
          }
          own = await ownLinkAttempt(stored.state, event.linkId);
          if (!own) {
            // Not a link this session opened: never completed with, never refunded as ours.
            logger?.error('a hosted payment for a link this checkout session never opened: ignored', {
              sessionId: event.sessionId,
              linkId: event.linkId,
              paymentId: event.paymentId,
            });
            return { applied: false, reason: 'unknown_link' };
          }
          const disposition = linkPaymentDisposition(stored.state);
          if (disposition === 'wait') {
            // A charge attempt of this session is in flight: its outcome decides which payment is the order.
            throw new AcpError(
              'payment_in_progress',
              'A charge for this checkout session is in progress; redeliver the payment event later.',
              { retryAfterSeconds: 30 },
            );
          }
          if (disposition === 'completed') {
            const order = await store.getOrderBySession(event.sessionId);
            if (order?.paymentId === event.paymentId) return { applied: false, reason: 'no_change' };
            await settleExtraPayment(
              {
                sessionId: event.sessionId,
                paymentId: event.paymentId,
                amount: event.amount,
                currency: event.currency,
                ...(order ? { orderId: order.order.id } : {}),
              },
              'duplicate',
            );
            return { applied: false, reason: 'duplicate_payment' };
          }
          if (paymentFallsShort(stored.state, event)) {
            // Our own link captured less than the total (or another currency): never an underpaid order. The
            // payment is refunded; the session stays (or becomes again) payable.
            const t = rejectShortLinkPayment(stored.state, own, event, ctxNow());
            if (t) {
              if (!(await commit(t, stored.version))) continue;
              await runEffects(t.effects);
            }
            await settleExtraPayment(
              {
                sessionId: event.sessionId,
                paymentId: event.paymentId,
                amount: event.amount,
                currency: event.currency,
              },
              'underpaid',
            );
            return { applied: t !== undefined, reason: 'underpaid' };
          }
        }
        const t = applyPaymentLinkEvent(stored.state, event, { ...ctxNow(), orderId }, own);
        if (!t) return { applied: false, reason: 'no_change' };
        if (!(await commit(t, stored.version))) continue;
        await runEffects(t.effects);
        return { applied: true };
      }
      throw new AcpError('concurrent_modification', 'The checkout session changed concurrently; redeliver.');
    },

    async refundOrder(orderId, input) {
      try {
        const record = await store.getOrder(orderId);
        if (!record)
          throw new AcpError('order_not_found', `No order with id "${orderId}".`, { param: '$.order_id' });
        if (!record.paymentId || !gateway.refund) {
          throw new AcpError('invalid_request', 'This order has no refundable payment.');
        }
        // Pending refunds reserve their amount (see refundTotals); the PSP is the final guard against two
        // concurrent refunds together exceeding the capture (Stripe refuses with amount_too_large).
        const remaining = refundTotals(record).refundable;
        const amount = input.amount ?? remaining;
        if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) {
          throw new AcpError('invalid', `The refund amount must be an integer between 1 and ${remaining}.`, {
            param: '$.amount',
          });
        }
        const r = await gateway.refund({
          orderId,
          paymentId: record.paymentId,
          currency: record.currency,
          idempotencyKey: `acp_refund_${orderId}_${input.idempotencyKey}`,
          amount,
          ...(input.reason ? { reason: input.reason } : {}),
        });
        if (r.status === 'failed') {
          throw new AcpError(r.retryable ? 'payment_unavailable' : 'payment_processing_error', r.message);
        }
        const result = await store.upsertOrderRefund(
          orderId,
          {
            refundId: r.refundId,
            status: r.status,
            amount: r.amount,
            currency: r.currency,
            at: clock.now().toISOString(),
            ...(input.reason ? { reason: input.reason } : {}),
          },
          clock.now().toISOString(),
        );
        if (!result) throw new AcpError('order_not_found', `No order with id "${orderId}".`);
        const updated = result.record;
        if (result.changed) {
          await runEffects([
            { type: 'event.emit', event: { type: 'order_updated', order: updated, reason: 'refund' } },
          ]);
        }
        return json(200, toWireOrder(updated));
      } catch (e) {
        return errorResult(e);
      }
    },

    getOrder: (orderId) => store.getOrder(orderId),
    getOrderBySession: (sessionId) => store.getOrderBySession(sessionId),

    async loadSession(id, ctx) {
      const caller = ctx?.caller ?? INTERNAL_CALLER;
      const r = await service.getSession(id, { caller, apiVersion: SUPPORTED_VERSION });
      if (r.status === 404) return null;
      const stored = await store.getSession(id);
      return stored?.state ?? null;
    },

    async recoverPendingPayments() {
      let resumed = 0;
      let stillPending = 0;
      let cursor: string | undefined;
      do {
        const page = await store.listSessions({
          statuses: ['complete_in_progress'],
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        for (const { state, version } of page.sessions) {
          const r = await resumePending(state, version, undefined);
          if (r && (r.result.status < 400 || r.closed)) resumed++;
          else stillPending++;
        }
        cursor = page.nextCursor;
      } while (cursor);
      // Open payment links whose webhooks may never arrive: ask the PSP (paid → order, expired → payable),
      // throttled like reads (not within linkCheckIntervalSeconds of the link opening or of this process's
      // last check) and at most linkChecksPerRecoveryPass per pass, least recently checked first.
      if (gateway.retrievePaymentLink) {
        const due: { state: SessionState; last: number }[] = [];
        const now = clock.now().getTime();
        cursor = undefined;
        do {
          const page = await store.listSessions({
            statuses: ['in_progress'],
            limit: 100,
            ...(cursor ? { cursor } : {}),
          });
          for (const { state } of page.sessions) {
            const last = lastLinkCheck(state.id, state.updatedAt);
            if (now - last >= config.linkCheckIntervalSeconds * 1000) due.push({ state, last });
            else stillPending++;
          }
          cursor = page.nextCursor;
        } while (cursor);
        due.sort((a, b) => a.last - b.last);
        for (const [i, { state }] of due.entries()) {
          if (i >= config.linkChecksPerRecoveryPass) {
            stillPending++;
            continue;
          }
          markLinkCheck(state.id, now);
          const r = await reconcileLink(state);
          if (r === 'completed' || r === 'reopened') resumed++;
          else stillPending++;
        }
      }
      return { resumed, stillPending };
    },

    async sweep() {
      let expired = 0;
      let cursor: string | undefined;
      const expiring = [
        'not_ready_for_payment',
        'ready_for_payment',
        'authentication_required',
        'incomplete',
        'requires_escalation',
        'pending_approval',
      ] as const;
      do {
        const page = await store.listSessions({
          statuses: expiring,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        for (const { state, version } of page.sessions) {
          const t = await expiryOf(state);
          if (t && (await commit(t, version))) {
            expired++;
            await runEffects(t.effects);
          }
        }
        cursor = page.nextCursor;
      } while (cursor);
      const idempotencyRecordsRemoved = await store.idempotencySweep(clock.now().toISOString());
      return { expired, idempotencyRecordsRemoved };
    },
  };
  return service;
}

/**
 * Whether a session without an order may still get one from a payment already made: a charge in flight, an
 * open link, a payment waiting for 3DS, or a link attempt whose create answer is pending.
 */
function orderMayAppear(state: SessionState): boolean {
  return (
    state.status === 'complete_in_progress' ||
    state.status === 'in_progress' ||
    state.status === 'authentication_required' ||
    (state.pendingLinkAttemptId !== undefined && !STATUS_RULES_TERMINAL.has(state.status))
  );
}
const STATUS_RULES_TERMINAL = new Set(['completed', 'canceled', 'expired']);

const SUPPORTED_VERSION = '2026-04-17';
/** The merchant's own code (dashboards, recovery): sees every session. Never an outside caller. */
export const INTERNAL_CALLER = 'internal';

function paymentEffectOf(t: Transition) {
  return t.effects.find(
    (e): e is Extract<Effect, { type: 'payment.charge' | 'payment.resume' }> =>
      e.type === 'payment.charge' || e.type === 'payment.resume',
  );
}

/** The PSP idempotency key of the automatic refund of a duplicate payment: one refund per payment, ever. */
export const duplicateRefundKey = (paymentId: string) => `acp_duplicate_refund_${paymentId}`;

function permissionError(state: SessionState): AcpError {
  return state.status === 'completed'
    ? new AcpError(
        'session_not_cancelable',
        'The payment link was paid before it could be closed; the session is completed.',
      )
    : new AcpError('session_not_cancelable', `A ${state.status} checkout session cannot be canceled.`);
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
