// The checkout service: the operations transports call. Each parses and validates its request, runs under
// ACP idempotency, and drives the machine through the shell (load → expire → transition → commit → effects).
// Transports only translate the resulting { status, body, headers } to their wire (HTTP, MCP).
import type * as z from 'zod';
import type { SessionState } from '../domain.js';
import {
  draftsFromState,
  type LineDraft,
  pricingLines,
  requestedItemIds,
  resolveLines,
} from '../engine/cart.js';
import { credentialError } from '../engine/credential.js';
import { refundTotals } from '../engine/refunds.js';
import { permission } from '../engine/transitions.js';
import { toWireOrder } from '../engine/wire.js';
import { AcpError, toJsonPath } from '../errors.js';
import { containsPan, findPanField, panRefusalMessage } from '../pan.js';
import type { PricingV1, Product } from '../ports.js';
import {
  CancelSessionRequest,
  type CheckoutSession,
  CheckoutSessionCompleteRequest,
  CheckoutSessionCreateRequest,
  CheckoutSessionUpdateRequest,
} from '../spec/2026-04-17/schemas.generated.js';
import { isoOf } from '../util/time.js';
import { checkApiVersion, LATEST_API_VERSION } from '../versions.js';
import { createIdempotency, type Guarded } from './idempotency.js';
import { createLinks } from './links.js';
import { chargeEffectOf, createPayments } from './payments.js';
import { createRecovery } from './recovery.js';
import { sessionAnswers } from './render.js';
import { concurrentModification, isRetryLater, json, type ServiceResult } from './results.js';
import { createShell, MAX_CAS_RETRIES, type Settled, type Stored } from './shell.js';
import {
  type CheckoutService,
  type CheckoutServiceDeps,
  INTERNAL_CALLER,
  type RequestContext,
} from './types.js';

/** Request fields that name catalog items (merchant ids such as GTINs may be all digits). */
const LOOKUP_ID_FIELDS = [
  ['line_items', '*', 'id'],
  ['selected_fulfillment_options', '*', 'item_ids', '*'],
] as const;

/** A deep copy for a caller outside core (JSON data: sessions, orders). */
const copy = <T>(value: T): T => (value === null || value === undefined ? value : structuredClone(value));

export function createCheckoutService(deps: CheckoutServiceDeps): CheckoutService {
  const shell = createShell(deps);
  const { config, store, gateway, clock, ids } = shell;
  const { catalog, pricing } = deps;
  const payments = createPayments(shell);
  const links = createLinks(shell, payments);
  const recovery = createRecovery(shell, payments, links);
  shell.register({ expireLink: links.expireLink, pullRefunds: recovery.pullRefunds });
  const sessionAnswer = sessionAnswers(config);
  const { idempotent, requestKeyOf } = createIdempotency({
    store,
    clock,
    logger: deps.logger,
    ttlSeconds: deps.idempotencyTtlSeconds ?? 24 * 60 * 60,
    lockSeconds: deps.idempotencyLockSeconds ?? 60,
    digest: deps.digest,
  });

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
      now: isoOf(clock.now().getTime()),
    });
    return { drafts, quote };
  }

  const asGuarded = (done: Settled<ServiceResult>): Guarded<CheckoutSession> => ({
    result: done.value,
    stored: done.stored,
  });

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
        let sessionId = ids.sessionId();
        // Core never issues a session id that reads as a card number.
        for (let i = 0; i < 16 && containsPan(sessionId); i++) sessionId = ids.sessionId();
        const owner = ctx.caller === INTERNAL_CALLER ? {} : { owner: ctx.caller };
        const d = shell.decide(undefined, { type: 'create', id: sessionId, request, ...owner, cart });
        if (!d.ok) return { result: shell.fail(d.error), stored: false };
        const t = d.transition!;
        const result = sessionAnswer(201, t.state);
        if (!(await shell.commit(t, null, { ref: idem, response: result }))) {
          throw new AcpError(
            'internal_error',
            'Could not store the new checkout session; retry the request.',
          );
        }
        return {
          result,
          stored: idem !== undefined,
        };
      });
    },

    async getSession(id, ctx) {
      const versionError = checkApiVersion(ctx.apiVersion);
      if (versionError) return shell.fail(versionError);
      try {
        const owned = await shell.loadOwned(id, ctx);
        let stored = (await shell.expireDue(owned)) ?? (await shell.load(id));
        // Payment recovery runs off the request path: the read waits for it only a bounded time, so a GET
        // answers promptly even when the PSP hangs (the recovery goes on in the background).
        if (recovery.readNeedsRecovery(stored.state)) {
          await shell.withinReadBudget(recovery.recoverSession(id));
          stored = await shell.load(id);
        }
        const order = stored.state.status === 'completed' ? await store.getOrderBySession(id) : null;
        return sessionAnswer(200, stored.state, order);
      } catch (e) {
        return shell.fail(e);
      }
    },

    async updateSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}`, body, ctx, async (idem) => {
        const request = parse(CheckoutSessionUpdateRequest, body, ctx);
        const owned = await shell.loadOwned(id, ctx);
        return asGuarded(
          await shell.casLoop<ServiceResult>(
            id,
            async ({ state }) => {
              // Refused before pricing is asked for anything.
              const refused = permission(state, 'update');
              if (refused) throw refused;
              const details = request.fulfillment_details ?? state.fulfillmentDetails;
              const cart = await cartInputs(state, request.line_items, details);
              return {
                command: { type: 'update', request, cart },
                respond: (t) => sessionAnswer(200, t.state),
              };
            },
            { idem, asResponse: (r) => r, first: owned },
          ),
        );
      });
    },

    async completeSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}/complete`, body, ctx, async (idem) => {
        const request = parse(CheckoutSessionCompleteRequest, body, ctx);
        let owned: Stored | undefined = await shell.loadOwned(id, ctx);
        // The credential is checked before anything about this attempt is stored or sent.
        const refused = credentialError(request, gateway, ctx.paramRoot ?? '$');
        if (refused) throw refused;
        const requestKey = requestKeyOf(idem);
        for (let i = 0; i < MAX_CAS_RETRIES; i++) {
          const current = await shell.expireDue(owned ?? (await shell.load(id)));
          owned = undefined;
          if (!current) continue;
          if (current.state.status === 'complete_in_progress' && current.state.currentAttemptId) {
            // A pending attempt (a crash, a lost answer, an outage) is settled first, with its own PSP key.
            // Only the request that started it takes its outcome as its answer; any other request then runs
            // against the resulting state (a decline leaves the session payable for this request's token).
            const pending = await shell.currentAttempt(current.state);
            const own = requestKey !== undefined && pending?.requestKey === requestKey;
            const resumed = await payments.resumePending(
              current.state,
              current.version,
              own ? idem : undefined,
            );
            if (resumed) {
              // An attempt proven uncharged was closed: this request now starts a new one (new PSP key).
              if (resumed.closed) continue;
              if (own) return resumed;
              if (isRetryLater(resumed.result)) return { result: resumed.result, stored: false };
              continue;
            }
          }
          type Begin = { result: ServiceResult } | { again: true };
          const begun = await shell.casLoop<Begin>(
            id,
            async ({ state }) => {
              if (state.status === 'complete_in_progress') return { done: { again: true } };
              if (state.status === 'completed') {
                // A retry of the very request whose payment completed the session (its first answer was lost or
                // was a 503, and recovery finished it meanwhile) gets that outcome, not a conflict.
                const order = await store.getOrderBySession(id);
                const attempt = order?.attemptId ? await store.getPaymentAttempt(order.attemptId) : null;
                if (order && requestKey && attempt?.requestKey === requestKey) {
                  return { done: { result: sessionAnswer(200, state, order) } };
                }
              }
              const previous = await shell.waitingAttempt(state);
              return {
                command: {
                  type: 'complete',
                  request,
                  ...(previous ? { previous } : {}),
                  ...(requestKey ? { requestKey } : {}),
                },
                // No PSP call needed (free order, denied 3DS, buyer data made the cart not ready): this is the
                // answer, stored with the commit. Otherwise the attempt is committed BEFORE the PSP is called.
                respond: (t) => ({ result: sessionAnswer(200, t.state, t.order ?? null) }),
              };
            },
            { idem, asResponse: (b) => ('result' in b ? b.result : json(409, null)), first: current },
          );
          if ('again' in begun.value) continue;
          const charge = begun.transition ? chargeEffectOf(begun.transition.effects) : undefined;
          if (!charge) return { result: begun.value.result, stored: begun.stored };
          return payments.finalizeCharge(id, charge.attempt, await payments.executePayment(charge), idem);
        }
        throw concurrentModification('retry');
      });
    },

    async cancelSession(id, body, ctx) {
      return idempotent('POST', `/checkout_sessions/${id}/cancel`, body, ctx, async (idem) => {
        const request =
          body === undefined || body === null ? undefined : parse(CancelSessionRequest, body, ctx);
        const current = await shell.loadOwned(id, ctx);
        // A pending charge is looked up first (never resent: a cancel must not charge): once it is proven
        // uncharged (or declined) the session is payable again and may be canceled; while money may be
        // moving, cancel stays refused.
        if (current.state.status === 'complete_in_progress') {
          await payments.resumePending(current.state, current.version, undefined, 'cancel');
        }
        return asGuarded(
          await shell.casLoop<ServiceResult>(
            id,
            async ({ state }) => {
              const waiting = await shell.waitingAttempt(state);
              return {
                command: {
                  type: 'cancel',
                  ...(request ? { request } : {}),
                  ...(waiting ? { waiting } : {}),
                },
                respond: (t) => sessionAnswer(200, t.state),
              };
            },
            { idem, asResponse: (r) => r },
          ),
        );
      });
    },

    createPaymentLink: links.createPaymentLink,
    handlePaymentEvent: links.handlePaymentEvent,

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
        const updated = await shell.applyOrderRefund(orderId, {
          ...r,
          ...(input.reason ? { reason: input.reason } : {}),
        });
        if (!updated) throw new AcpError('order_not_found', `No order with id "${orderId}".`);
        return json(200, toWireOrder(updated.record));
      } catch (e) {
        return shell.fail(e);
      }
    },

    // What these return is the caller's own copy: a store may hand out the objects it keeps (the memory store
    // does), and merchant code changing what it read must never change an order, a charge amount or a replay.
    getOrder: async (orderId) => copy(await store.getOrder(orderId)),
    getOrderBySession: async (sessionId) => copy(await store.getOrderBySession(sessionId)),

    async loadSession(id, ctx) {
      const caller = ctx?.caller ?? INTERNAL_CALLER;
      const r = await service.getSession(id, { caller, apiVersion: LATEST_API_VERSION });
      if (r.status === 404) return null;
      const stored = await store.getSession(id);
      return copy(stored?.state ?? null);
    },

    recoverPendingPayments: recovery.recoverPendingPayments,
    sweep: recovery.sweep,
  };
  return service;
}
