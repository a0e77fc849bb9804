// The checkout machine as pure functions: (state, command, context) → { state, effects } | { error }.
// Effects are data; the shell (service/) executes them. The one entry point is machine.ts `transition`. Time and ids come in through the context.
import type { ResolvedConfig } from '../config.js';
import type {
  ChargingSession,
  LinkPendingSession,
  Message,
  OrderRecord,
  PayableSession,
  PaymentAttempt,
  SessionBase,
  SessionOf,
  SessionState,
} from '../domain.js';
import { AcpError } from '../errors.js';
import type { ChargeResult, PaymentEvent, PaymentLinkRequest, PricingQuote } from '../ports.js';
import type {
  CancelSessionRequest,
  Capabilities,
  CheckoutSessionCompleteRequest,
  CheckoutSessionCreateRequest,
  CheckoutSessionUpdateRequest,
  Order,
} from '../spec/2026-04-17/schemas.generated.js';
import { type CheckoutStatus, STATUS_RULES } from '../status.js';
import { canonicalJson } from '../util/canonical-json.js';
import { unchangedOr } from '../util/json-equal.js';
import { sha256Hex } from '../util/sha256.js';
import { isoOf, millisOf } from '../util/time.js';
import {
  buildLines,
  buildOptions,
  cartMessages,
  computeTotals,
  hasBlockingMessage,
  type LineDraft,
  selectOptions,
} from './cart.js';
import {
  cancelPayment,
  charge,
  commitInventory,
  createLink,
  type Effect,
  emit,
  expireLink,
  resumeCharge,
} from './effects.js';
import {
  baseOf,
  toAuthenticating,
  toCharging,
  toClosed,
  toCompleted,
  toLink,
  toPayable,
  withStatus,
} from './session.js';

export interface EngineContext {
  now: Date;
  config: ResolvedConfig;
  /** Whether the gateway offers hosted payment links (messages point to them when it does). */
  paymentLinks?: boolean;
}

/** The agent can perform 3D Secure only if both sides negotiated the `3ds` intervention. */
export function agentCanAuthenticate(state: Pick<SessionState, 'capabilities'>): boolean {
  return state.capabilities.interventions?.supported?.includes('3ds') === true;
}

export type { Effect } from './effects.js';

export interface Transition {
  state: SessionState;
  effects: Effect[];
  /** Attempts to upsert in the same commit. */
  attempts: PaymentAttempt[];
  /** Order to insert in the same commit. */
  order?: OrderRecord;
}

export type Decision = { ok: true; transition: Transition } | { ok: false; error: AcpError };

const ok = (transition: Transition): Decision => ({ ok: true, transition });
const fail = (error: AcpError): Decision => ({ ok: false, error });
const iso = (d: Date) => isoOf(d.getTime());
/**
 * A request part the schema does not rebuild (values of records and loose objects come through as the
 * caller's own objects): copied before a state keeps it, so the caller changing or reusing its request object
 * never changes a session, and freezing a stored session never freezes the caller's object.
 */
const ownCopy = <T>(value: T): T => structuredClone(value);
const plusSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

// ------------------------------------------------------------------------------------------ negotiation

/**
 * Response capabilities: interventions are the intersection of the agent's and ours plus our seller-only
 * fields; agent-only fields (display_context, redirect_context, max_*) are never echoed; payment handlers
 * are ours; extensions appear only when both sides support one (never an empty array).
 */
export function negotiateCapabilities(agent: Capabilities | undefined, config: ResolvedConfig): Capabilities {
  const out: Capabilities = {};
  if (config.paymentHandlers.length > 0)
    out.payment = { handlers: config.paymentHandlers.map((h) => ({ ...h })) };
  const agentSupported = new Set<string>(agent?.interventions?.supported ?? []);
  out.interventions = {
    supported: config.interventions.supported.filter((i) => agentSupported.has(i)),
    required: [...(config.interventions.required ?? [])],
    enforcement: config.interventions.enforcement ?? 'conditional',
  };
  const requested = agent?.extensions;
  if (requested && requested.length > 0) {
    const names = new Set(requested.map((e) => (typeof e === 'string' ? e : e.name)));
    const active = config.extensions.filter(
      (e) => names.has(e.name) || names.has(e.name.split('@')[0] ?? ''),
    );
    if (active.length > 0) out.extensions = active.map((e) => ({ ...e }));
  }
  return out;
}

/** Payment handlers come from configuration at render time; a stored session keeps only what was negotiated. */
function storedCapabilities(c: Capabilities): Capabilities {
  const { payment: _payment, ...rest } = c;
  return rest;
}

// ------------------------------------------------------------------------------------------ helpers

export function statusFromMessages(
  messages: readonly Message[],
): 'not_ready_for_payment' | 'ready_for_payment' {
  return hasBlockingMessage(messages) ? 'not_ready_for_payment' : 'ready_for_payment';
}

/**
 * Evaluates the cart part of a state after its inputs changed. `base` is a new object the caller built for the
 * next version (never a stored state): it becomes that version.
 */
function evaluate(
  base: SessionBase,
  drafts: readonly LineDraft[],
  quote: PricingQuote,
  requestedSelections: CheckoutSessionUpdateRequest['selected_fulfillment_options'],
  config: ResolvedConfig,
): PayableSession {
  // Parts equal to the previous version's are that version's objects: versions kept for replay share them.
  const lines = unchangedOr(base.lines, buildLines(drafts, quote));
  const fulfillmentOptions = unchangedOr(base.fulfillmentOptions, buildOptions(quote, lines));
  const { selected, notices } = selectOptions(
    fulfillmentOptions,
    lines,
    base.selectedFulfillmentOptions,
    requestedSelections,
  );
  const totals = computeTotals(lines, fulfillmentOptions, selected);
  const next = base;
  next.lines = lines;
  next.fulfillmentOptions = fulfillmentOptions;
  next.selectedFulfillmentOptions = selected;
  next.totals = totals;
  next.notices = notices;
  next.messages = cartMessages(next, config);
  return withStatus(
    next,
    hasBlockingMessage(next.messages) || hasBlockingMessage(notices)
      ? 'not_ready_for_payment'
      : 'ready_for_payment',
  );
}

/**
 * Moves a non-terminal session past its `expires_at` to `expired`. Returns undefined when nothing changes.
 * `waiting` is the attempt an `authentication_required` session waits on: its payment (left waiting for 3DS)
 * is abandoned and canceled at the PSP, as when such a session is canceled.
 */
export function expireIfDue(
  state: SessionState,
  ctx: EngineContext,
  waiting?: PaymentAttempt,
): Transition | undefined {
  if (!STATUS_RULES[state.status].expires) return undefined;
  if (ctx.now.getTime() < millisOf(state.expiresAt)) return undefined;
  const abandoned = abandonWaitingPayment(state, waiting, ctx);
  const next = toClosed(
    {
      ...state,
      updatedAt: iso(ctx.now),
      notices: [],
      messages: [
        {
          type: 'error',
          code: 'expired',
          content_type: 'plain',
          content: 'This checkout session has expired. Start a new one to buy these items.',
          resolution: 'recoverable',
        },
      ],
    },
    'expired',
  );
  return { state: next, effects: abandoned.effects, attempts: abandoned.attempts };
}

/**
 * The attempt an `authentication_required` session waits on, abandoned, and the effect that cancels its PSP
 * payment (nobody will authenticate it any more: the session is canceled or expired).
 */
function abandonWaitingPayment(
  state: SessionState,
  waiting: PaymentAttempt | undefined,
  ctx: EngineContext,
): { effects: Effect[]; attempts: PaymentAttempt[] } {
  if (
    state.status !== 'authentication_required' ||
    waiting === undefined ||
    waiting.id !== state.currentAttemptId ||
    waiting.status !== 'requires_action' ||
    !waiting.paymentId
  ) {
    return { effects: [], attempts: [] };
  }
  return {
    attempts: [{ ...waiting, status: 'abandoned', updatedAt: iso(ctx.now) }],
    effects: [cancelPayment(waiting.paymentId)],
  };
}

export type Operation = 'update' | 'complete' | 'cancel';

/** The statuses in which STATUS_RULES allows `operation`. */
export type AllowedStatus<O extends Operation> = {
  [S in CheckoutStatus]: (typeof STATUS_RULES)[S][O] extends 'allow' ? S : never;
}[CheckoutStatus];

/** Whether STATUS_RULES allows `operation` in the session's status (narrowing it to those statuses). */
export function allows<O extends Operation>(
  state: SessionState,
  operation: O,
): state is SessionOf<AllowedStatus<O>> {
  return STATUS_RULES[state.status][operation] === 'allow';
}

/** Checks whether `operation` is allowed in the session's status; expiry must have been applied first. */
export function permission(state: SessionState, operation: Operation): AcpError | undefined {
  return allows(state, operation) ? undefined : refusal(state, operation);
}

/** The typed refusal of an `operation` STATUS_RULES does not allow in the session's status. */
export function refusal(state: SessionState, operation: Operation): AcpError {
  const rule = STATUS_RULES[state.status][operation];
  if (rule === 'allow') throw new Error(`${operation} is allowed in ${state.status}`);
  const messages: Record<typeof rule.refuse, string> = {
    session_completed: 'This checkout session is already completed; retrieve it to see the order.',
    session_canceled: 'This checkout session was canceled.',
    session_expired: 'This checkout session has expired.',
    payment_in_progress: 'A payment for this checkout session is in progress; retry shortly or retrieve it.',
    session_not_payable: 'This checkout session is not ready for payment; resolve its error messages first.',
    session_not_cancelable: `A ${state.status} checkout session cannot be canceled.`,
  };
  return new AcpError(rule.refuse, messages[rule.refuse], {
    ...(rule.refuse === 'payment_in_progress' ? { retryAfterSeconds: 2 } : {}),
  });
}

// ------------------------------------------------------------------------------------------ create / update

export interface CartInputs {
  drafts: LineDraft[];
  quote: PricingQuote;
}

export function createSession(
  input: { id: string; request: CheckoutSessionCreateRequest; owner?: string } & CartInputs,
  ctx: EngineContext,
): Decision {
  const { request } = input;
  const currency = request.currency.toLowerCase();
  if (!ctx.config.supportedCurrencies.includes(currency)) {
    return fail(
      new AcpError(
        'unsupported_currency',
        `Currency "${request.currency}" is not accepted. Supported: ${ctx.config.supportedCurrencies.join(', ')}.`,
        { param: '$.currency' },
      ),
    );
  }
  const now = iso(ctx.now);
  const base: SessionBase = {
    schema: 1,
    id: input.id,
    currency,
    lines: [],
    fulfillmentOptions: [],
    selectedFulfillmentOptions: [],
    capabilities: storedCapabilities(negotiateCapabilities(request.capabilities, ctx.config)),
    messages: [],
    notices: [],
    totals: {
      itemsBaseAmount: 0,
      itemsDiscount: 0,
      subtotal: 0,
      discount: 0,
      fulfillment: 0,
      tax: 0,
      total: 0,
    },
    createdAt: now,
    updatedAt: now,
    expiresAt: iso(plusSeconds(ctx.now, ctx.config.sessionTtlSeconds)),
    attemptCount: 0,
  };
  if (input.owner !== undefined) base.owner = input.owner;
  if (request.buyer) base.buyer = request.buyer;
  if (request.fulfillment_details) base.fulfillmentDetails = request.fulfillment_details;
  if (request.locale !== undefined) base.locale = request.locale;
  if (request.timezone !== undefined) base.timezone = request.timezone;
  if (request.metadata !== undefined) base.metadata = ownCopy(request.metadata);
  if (request.order_notes !== undefined) base.orderNotes = request.order_notes;
  if (request.quote_id !== undefined) base.quoteId = request.quote_id;
  if (request.affiliate_attribution) base.writeOnly = { firstTouch: ownCopy(request.affiliate_attribution) };
  return ok({
    state: evaluate(base, input.drafts, input.quote, undefined, ctx.config),
    effects: [],
    attempts: [],
  });
}

/**
 * Applies an update. Fields present replace the stored ones (`line_items` is a full replacement); absent
 * fields are left alone. The machine calls it only where STATUS_RULES allows an update (a payable session).
 */
export function updateSession(
  state: SessionOf<AllowedStatus<'update'>>,
  request: CheckoutSessionUpdateRequest,
  cart: CartInputs,
  ctx: EngineContext,
): Decision {
  // The cart may change: a new link gets a new attempt (the base has no pending link attempt).
  const base = baseOf(state);
  base.updatedAt = iso(ctx.now);
  if (request.buyer) base.buyer = request.buyer;
  if (request.fulfillment_details) base.fulfillmentDetails = request.fulfillment_details;
  if (request.order_notes !== undefined) base.orderNotes = request.order_notes;
  return ok({
    state: evaluate(base, cart.drafts, cart.quote, request.selected_fulfillment_options, ctx.config),
    effects: [],
    attempts: [],
  });
}

// ------------------------------------------------------------------------------------------ complete

const PROCEEDING_3DS_OUTCOMES = new Set(['authenticated', 'attempt_acknowledged', 'informational']);

export const attemptIdFor = (sessionId: string, n: number) => `${sessionId}:${n}`;
/** The PSP idempotency key of an attempt: a function of the session and attempt number only. */
export const paymentIdempotencyKey = (sessionId: string, n: number) => `acp_${sessionId}_attempt_${n}`;

function newAttempt(
  state: SessionBase,
  kind: PaymentAttempt['kind'],
  ctx: EngineContext,
  extra: Partial<PaymentAttempt> = {},
): PaymentAttempt {
  const n = state.attemptCount + 1;
  const now = iso(ctx.now);
  return {
    id: attemptIdFor(state.id, n),
    sessionId: state.id,
    number: n,
    kind,
    idempotencyKey: paymentIdempotencyKey(state.id, n),
    status: 'pending',
    amount: state.totals.total,
    currency: state.currency,
    // A charge is sent right after this attempt is committed, under its lease. A link attempt has no lease: it
    // is reused (same key, same request) by whoever calls next.
    ...(kind === 'charge'
      ? {
          leaseUntil: iso(plusSeconds(ctx.now, ctx.config.paymentLeaseSeconds)),
          sends: { firstAt: now, lastAt: now },
        }
      : {}),
    createdAt: now,
    updatedAt: now,
    ...extra,
  };
}

/**
 * Starts a complete: validates status and payment data, records a new `pending` attempt and moves the
 * session to `complete_in_progress`. The returned `payment.charge` effect must run only after this
 * transition is committed. `previous` is the attempt awaiting 3DS when the session is
 * `authentication_required`.
 */
export function beginComplete(
  state: SessionOf<AllowedStatus<'complete'>>,
  request: CheckoutSessionCompleteRequest,
  previous: PaymentAttempt | undefined,
  ctx: EngineContext,
  options: { requestKey?: string } = {},
): Decision {
  if (state.status === 'authentication_required' && !request.authentication_result) {
    return fail(
      new AcpError(
        'requires_3ds',
        'This checkout session requires 3D Secure authentication; complete it again with authentication_result.',
        { param: '$.authentication_result' },
      ),
    );
  }
  const payment = request.payment_data;
  if (!payment.handler_id || !payment.instrument) {
    return fail(
      new AcpError(
        'unsupported_payment_handler',
        'Only tokenized payment handlers are accepted; send payment_data.handler_id and instrument.',
        { param: '$.payment_data.handler_id' },
      ),
    );
  }
  const handler = ctx.config.paymentHandlers.find((h) => h.id === payment.handler_id);
  if (!handler) {
    return fail(
      new AcpError(
        'unsupported_payment_handler',
        `Unknown payment handler "${payment.handler_id}". Use one of: ${ctx.config.paymentHandlers.map((h) => h.id).join(', ')}.`,
        { param: '$.payment_data.handler_id' },
      ),
    );
  }
  const instrument = payment.instrument as {
    type?: unknown;
    credential?: { type?: unknown; token?: unknown };
  };
  const token = instrument.credential?.token;
  if (typeof token !== 'string' || token.length === 0 || token.length > 512) {
    return fail(
      new AcpError('invalid', 'payment_data.instrument.credential.token must be a payment token.', {
        param: '$.payment_data.instrument.credential.token',
      }),
    );
  }

  const base: SessionBase = { ...baseOf(state), updatedAt: iso(ctx.now), notices: [] };
  const pendingLink = state.pendingLinkAttemptId;
  if (request.buyer) base.buyer = request.buyer;
  if (request.order_notes !== undefined) base.orderNotes = request.order_notes;
  if (request.affiliate_attribution || request.marketing_consents) {
    base.writeOnly = {
      ...base.writeOnly,
      ...(request.affiliate_attribution ? { lastTouch: ownCopy(request.affiliate_attribution) } : {}),
      ...(request.marketing_consents ? { marketingConsents: ownCopy(request.marketing_consents) } : {}),
    };
  }
  if (request.buyer) {
    base.messages = cartMessages(base, ctx.config);
    if (hasBlockingMessage(base.messages)) {
      return ok({ state: toPayable(base, 'not_ready_for_payment', pendingLink), effects: [], attempts: [] });
    }
  }

  const attempts: PaymentAttempt[] = [];
  let continuePaymentId: string | undefined;
  if (state.status === 'authentication_required') {
    const result = request.authentication_result!;
    const waiting = previous ? { ...previous, updatedAt: iso(ctx.now) } : undefined;
    if (!PROCEEDING_3DS_OUTCOMES.has(result.outcome)) {
      if (waiting) attempts.push({ ...waiting, status: 'declined', failure: authFailure(result.outcome) });
      // The payment that waited for authentication is superseded: the next complete starts a new one.
      const superseded: Effect[] = waiting?.paymentId ? [cancelPayment(waiting.paymentId)] : [];
      const declined = toPayable(
        { ...base, notices: [paymentDeclinedMessage(authFailure(result.outcome).message)] },
        statusFromMessages(base.messages),
        pendingLink,
      );
      return ok({ state: declined, effects: superseded, attempts });
    }
    if (waiting) attempts.push({ ...waiting, status: 'abandoned' });
    continuePaymentId = previous?.paymentId;
  }

  if (base.totals.total === 0) {
    // Nothing to charge: the order is placed without calling the PSP.
    return ok(placeOrder(base, undefined, undefined, ctx, attempts));
  }

  const attempt = newAttempt(base, 'charge', ctx, {
    handlerId: handler.id,
    credentialToken: token,
    credentialType: typeof instrument.credential?.type === 'string' ? instrument.credential.type : 'spt',
    instrumentType: typeof instrument.type === 'string' ? instrument.type : 'card',
    ...(continuePaymentId ? { paymentId: continuePaymentId, continuesAttemptId: previous?.id } : {}),
    ...(request.authentication_result ? { authenticationResult: request.authentication_result } : {}),
    ...(options.requestKey ? { requestKey: options.requestKey } : {}),
    ...(agentCanAuthenticate(base) ? {} : { authenticationAvailable: false }),
  });
  attempts.push(attempt);
  const next = toCharging({ ...base, attemptCount: attempt.number }, attempt.id, {
    // A 3DS continuation keeps the authentication metadata (rendered only in authentication_required): if its
    // confirm is proven never to have charged, the session goes back to waiting for authentication.
    ...(continuePaymentId && state.status === 'authentication_required'
      ? { authenticationMetadata: state.authenticationMetadata }
      : {}),
    pendingLinkAttemptId: pendingLink,
  });
  return ok({ state: next, effects: [charge(attempt)], attempts });
}

/** `attempt` with its outcome known (`patch`): its lease is released, nobody resumes it any more. */
function settled(attempt: PaymentAttempt, patch: Partial<PaymentAttempt>): PaymentAttempt {
  const { leaseUntil: _released, ...rest } = attempt;
  return { ...rest, ...patch };
}

function authFailure(outcome: string) {
  return {
    code: 'authentication_failed',
    message: `3D Secure authentication did not succeed (${outcome}). Try again or use another payment method.`,
  };
}

/**
 * The card needs 3D Secure but the agent cannot authenticate (or the PSP could not offer it): the session
 * stays payable, and the buyer is sent to the hosted payment page, where the bank's challenge happens.
 */
export function authenticationUnavailableMessage(paymentLinks: boolean): Message {
  return {
    type: 'error',
    code: 'payment_declined',
    content_type: 'plain',
    content: paymentLinks
      ? "The card issuer requires 3D Secure authentication, which cannot be completed here. Nothing was charged. Create a hosted payment link for this checkout session (the create_payment_link operation) and give it to the buyer: the bank's check happens on that page. Or pay with a different payment method."
      : 'The card issuer requires 3D Secure authentication, which cannot be completed here. Nothing was charged. Please use a different payment method.',
    param: '$.payment_data',
    resolution: 'requires_buyer_input',
    severity: 'high',
  };
}

/** The session waits for the buyer's 3D Secure authentication (sent back as `authentication_result`). */
export function requires3dsMessage(content: string): Message {
  return {
    type: 'error',
    code: 'requires_3ds',
    content_type: 'plain',
    content,
    param: '$.authentication_result',
    resolution: 'requires_buyer_input',
  };
}

export function paymentDeclinedMessage(content: string): Message {
  return {
    type: 'error',
    code: 'payment_declined',
    content_type: 'plain',
    content,
    param: '$.payment_data',
    resolution: 'requires_buyer_input',
    severity: 'high',
  };
}

/**
 * What resuming a pending charge attempt may do (core README, "A 5xx saved under the key"):
 * - `send`: look the payment up, then, if none is found, send the charge again under the SAME key (never a new
 *   charge: the PSP answers with the first outcome). A payment (`pay`) resume does this unless the key is in
 *   its proving phase below; a `cancel` never sends (a buyer who cancels must not be charged by it).
 * - `close`: the attempt may be closed as uncharged, now, if the gateway PROVES nothing was charged (a `list`
 *   or `payment` proof; search is never proof). Only for a key whose last sends answered a 5xx (Stripe saves
 *   it and replays it for 24 h, so resending never heals): after `unconfirmedPaymentGraceSeconds` since the
 *   first 5xx AND at least one resend that got a 5xx too (a 5xx that was not saved heals by resending; a
 *   cancel skips this), the engine stops sending under the key; once nothing was sent for a further grace
 *   period (no send of ours can still be executing at the PSP when it is looked up), a proof closes it.
 * - otherwise the resume only looks the payment up and answers "retry later" (`retryAfterSeconds`).
 */
export function pendingChargePlan(
  attempt: PaymentAttempt,
  ctx: EngineContext,
  purpose: 'pay' | 'cancel',
): { send: boolean; close: boolean; retryAfterSeconds?: number } {
  const se = attempt.serverError;
  if (!se) return { send: purpose === 'pay', close: false };
  const now = ctx.now.getTime();
  const grace = ctx.config.unconfirmedPaymentGraceSeconds * 1000;
  const sinceFirst = now - Date.parse(se.firstAt);
  if (purpose === 'pay' && (sinceFirst < grace || (se.count ?? 1) < 2)) return { send: true, close: false };
  const lastSend = Math.max(Date.parse(se.lastAt), Date.parse(attempt.sends?.lastAt ?? se.lastAt));
  const wait = Math.max(grace - sinceFirst, grace - (now - lastSend));
  if (wait <= 0) return { send: false, close: true };
  return { send: false, close: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}

/**
 * The window in which a payment can have been created under an attempt's key (for `reconcile`): from the first
 * send to the start of the last one plus one lease (a send runs only while its process holds the attempt's
 * lease). Under a 5xx mark whose last answer came after the last send started (every send was answered, the
 * last ones with 5xx), the window ends when that last 5xx was received: the PSP creates a payment under a key
 * only in the execution whose answer it saves and replays, so a payment, if any, existed by then. (Not the
 * FIRST 5xx: a 5xx the PSP did not save, e.g. one raised before execution began, is followed by a resend that
 * does execute.)
 */
export function sendWindow(
  attempt: PaymentAttempt,
  config: Pick<EngineContext['config'], 'paymentLeaseSeconds'>,
): { sentFrom: string; sentUntil: string } {
  const se = attempt.serverError;
  if (se && attempt.sends && Date.parse(attempt.sends.lastAt) <= Date.parse(se.lastAt)) {
    return { sentFrom: attempt.sends.firstAt, sentUntil: se.lastAt };
  }
  const times = [
    attempt.sends?.lastAt,
    attempt.serverError?.lastAt,
    attempt.sends ? undefined : attempt.updatedAt,
  ]
    .filter((t): t is string => t !== undefined)
    .map((t) => Date.parse(t));
  const last = Math.max(Date.parse(attempt.createdAt), ...times);
  return {
    sentFrom: attempt.sends?.firstAt ?? attempt.createdAt,
    sentUntil: new Date(last + config.paymentLeaseSeconds * 1000).toISOString(),
  };
}

/**
 * Resumes an attempt left `pending` (lost response, crash, PSP outage) once its lease has passed: the same
 * PSP idempotency key is used again, so the PSP answers with the original outcome instead of charging twice.
 * `options.send` (see `pendingChargePlan`) records the coming send on the attempt before it is made. The
 * session waits on `attempt` (the machine applies the command only then).
 */
export function resumeAttempt(
  state: ChargingSession,
  attempt: PaymentAttempt,
  ctx: EngineContext,
  options: { send?: boolean } = {},
): Decision {
  if (attempt.status !== 'pending') {
    return fail(new AcpError('payment_in_progress', 'There is no pending payment to resume.'));
  }
  const leaseEnds = attempt.leaseUntil ? Date.parse(attempt.leaseUntil) : 0;
  if (ctx.now.getTime() < leaseEnds) {
    return fail(
      new AcpError(
        'payment_in_progress',
        'A payment for this checkout session is being processed; retry shortly.',
        {
          retryAfterSeconds: Math.max(1, Math.ceil((leaseEnds - ctx.now.getTime()) / 1000)),
        },
      ),
    );
  }
  const leased: PaymentAttempt = {
    ...attempt,
    leaseUntil: iso(plusSeconds(ctx.now, ctx.config.paymentLeaseSeconds)),
    updatedAt: iso(ctx.now),
  };
  if (options.send !== false) {
    leased.sends = { firstAt: attempt.sends?.firstAt ?? attempt.createdAt, lastAt: iso(ctx.now) };
  }
  return ok({
    state: { ...state, updatedAt: iso(ctx.now) },
    effects: [resumeCharge(leased)],
    attempts: [leased],
  });
}

/**
 * Applies the gateway's answer for the session's current attempt (the machine applies it only while the
 * session waits on `attempt`: a stale answer changes nothing). `options.sent` says the answer came from
 * sending the charge under the attempt's key (not from a lookup): only then does a 5xx mark the attempt.
 */
export function applyChargeResult(
  state: ChargingSession,
  attempt: PaymentAttempt,
  result: ChargeResult,
  ctx: EngineContext & { orderId: string },
  options: { sent?: boolean; listScan?: PaymentAttempt['listScan'] } = {},
): Transition {
  const now = iso(ctx.now);
  switch (result.status) {
    case 'succeeded': {
      const done = settled(attempt, {
        status: 'succeeded',
        paymentId: result.paymentId,
        updatedAt: now,
        ...(result.card ? { card: result.card } : {}),
      });
      return placeOrder(state, done, result.paymentId, ctx, [done], result);
    }
    case 'declined': {
      const failed = settled(attempt, {
        status: 'declined',
        updatedAt: now,
        failure: {
          code: result.code,
          message: result.message,
          ...(result.declineCode ? { declineCode: result.declineCode } : {}),
        },
        ...(result.paymentId ? { paymentId: result.paymentId } : {}),
      });
      const next = toPayable(
        {
          ...state,
          updatedAt: now,
          notices: [
            result.code === 'authentication_required'
              ? authenticationUnavailableMessage(ctx.paymentLinks !== false)
              : paymentDeclinedMessage(result.message),
          ],
        },
        statusFromMessages(state.messages),
        state.pendingLinkAttemptId,
      );
      return { state: next, effects: [], attempts: [failed] };
    }
    case 'requires_action': {
      const waiting = settled(attempt, {
        status: 'requires_action',
        paymentId: result.paymentId,
        updatedAt: now,
      });
      return {
        state: toAuthenticating(
          {
            ...state,
            updatedAt: now,
            notices: [
              requires3dsMessage(
                'The card issuer requires 3D Secure authentication. Authenticate, then complete again with authentication_result.',
              ),
            ],
          },
          state.currentAttemptId,
          result.authenticationMetadata,
          state.pendingLinkAttemptId,
        ),
        effects: [],
        attempts: [waiting],
      };
    }
    case 'retryable_failure': {
      // Outcome unknown: keep the attempt pending and release the lease so the next access resumes it
      // with the same idempotency key. Never move back to ready_for_payment here (that could double charge).
      const pending: PaymentAttempt = {
        ...attempt,
        leaseUntil: now,
        updatedAt: now,
        ...(result.paymentId ? { paymentId: result.paymentId } : {}),
      };
      if (options.listScan) pending.listScan = options.listScan;
      if (options.sent) {
        // Remember 5xx answers to a send (the PSP saves them under the key); any other answer to a send may
        // mean the request executed, so it clears the mark. A `key_conflict` (Stripe `idempotency_error`: a
        // deploy changed a parameter between sends) did not execute either: the key still holds its saved
        // answer, so under a 5xx mark it counts as one more replay of that 5xx (and it never clears the mark).
        if (result.reason === 'key_conflict') {
          const se = attempt.serverError;
          if (se) pending.serverError = { firstAt: se.firstAt, lastAt: now, count: (se.count ?? 1) + 1 };
        } else if (result.reason === 'server_error') {
          const se = attempt.serverError;
          pending.serverError = {
            firstAt: se?.firstAt ?? now,
            lastAt: now,
            count: se ? (se.count ?? 1) + 1 : 1,
          };
        } else delete pending.serverError;
      }
      return { state: { ...state, updatedAt: now }, effects: [], attempts: [pending] };
    }
  }
}

/**
 * Closes the current attempt as proven uncharged (see `pendingChargePlan`). A charge: the session is payable
 * again and the next complete starts a new attempt with a new key. A 3DS continuation (its confirm answered a
 * 5xx, and its payment still waits for authentication): the session goes back to `authentication_required`,
 * waiting on the same payment, and the next complete with `authentication_result` confirms it under a new key.
 */
export function closeUnchargedAttempt(
  state: ChargingSession,
  attempt: PaymentAttempt,
  ctx: EngineContext,
): Transition {
  const now = iso(ctx.now);
  if (attempt.continuesAttemptId && attempt.paymentId && state.authenticationMetadata) {
    const waiting = settled(attempt, {
      status: 'requires_action',
      updatedAt: now,
      failure: {
        code: 'psp_server_error',
        message: 'The payment provider failed to confirm the authenticated payment; nothing was charged.',
      },
    });
    return {
      state: toAuthenticating(
        {
          ...state,
          updatedAt: now,
          notices: [
            requires3dsMessage(
              'The payment provider failed while confirming the 3D Secure authentication, and nothing was charged. Complete again with authentication_result (authenticate again if the result can be used only once).',
            ),
          ],
        },
        state.currentAttemptId,
        state.authenticationMetadata,
        state.pendingLinkAttemptId,
      ),
      effects: [],
      attempts: [waiting],
    };
  }
  const closed = settled(attempt, {
    status: 'failed',
    updatedAt: now,
    failure: {
      code: 'psp_server_error',
      message: 'The payment provider failed before charging; nothing was charged.',
    },
  });
  // A continuation that cannot go back to waiting (stored without its metadata): its payment is abandoned.
  const effects: Effect[] =
    attempt.continuesAttemptId && attempt.paymentId ? [cancelPayment(attempt.paymentId)] : [];
  const next = toPayable(
    {
      ...state,
      updatedAt: now,
      notices: [
        {
          type: 'info',
          content_type: 'plain',
          content:
            'The payment provider had an error and nothing was charged. Complete the checkout again to pay.',
        },
      ],
    },
    statusFromMessages(state.messages),
    state.pendingLinkAttemptId,
  );
  return { state: next, effects, attempts: [closed] };
}

/**
 * Completes the session and builds its one order. `captured` is what the PSP really captured: the order records
 * it (so refunds are limited by the capture); when it differs from the session's total the order is still
 * placed (the buyer paid) but flagged (`paymentMismatch`, a `payment_mismatch` event).
 */
function placeOrder(
  state: SessionBase,
  attempt: PaymentAttempt | undefined,
  paymentId: string | undefined,
  ctx: EngineContext & { orderId?: string },
  attempts: PaymentAttempt[],
  captured?: { amount: number; currency: string },
): Transition {
  const orderId = ctx.orderId ?? `ord_${state.id}`;
  const now = iso(ctx.now);
  const next = toCompleted(
    { ...state, updatedAt: now, notices: [], messages: state.messages.filter((m) => m.type !== 'error') },
    orderId,
  );
  const order = buildOrder(next, orderId, now, ctx.config);
  const expected = { amount: state.totals.total, currency: state.currency };
  const got = captured ? { amount: captured.amount, currency: captured.currency.toLowerCase() } : expected;
  const mismatch = got.amount !== expected.amount || got.currency !== expected.currency;
  const record: OrderRecord = {
    order,
    sessionId: state.id,
    currency: got.currency,
    amount: got.amount,
    createdAt: now,
    updatedAt: now,
    ...(paymentId ? { paymentId } : {}),
    ...(attempt ? { attemptId: attempt.id } : {}),
    ...(state.buyer ? { buyer: state.buyer } : {}),
    ...(mismatch ? { paymentMismatch: { expected, captured: got } } : {}),
  };
  return {
    state: next,
    order: record,
    attempts,
    effects: [
      commitInventory(
        orderId,
        state.lines.map((l) => ({ productId: l.itemId, quantity: l.quantity })),
      ),
      emit({ type: 'order_created', order: record }),
      ...(mismatch ? [emit({ type: 'payment_mismatch', order: record })] : []),
    ],
  };
}

export function buildOrder(state: SessionBase, orderId: string, now: string, config: ResolvedConfig): Order {
  const order: Order = {
    type: 'order',
    id: orderId,
    checkout_session_id: state.id,
    order_number: orderId.replace(/^ord_/, '').slice(-10).toUpperCase(),
    permalink_url:
      config.orderPermalink?.(orderId) ?? `${config.orderPermalinkBase}${encodeURIComponent(orderId)}`,
    status: 'confirmed',
    line_items: state.lines.map((l) => ({
      id: l.id,
      title: l.name,
      product_id: l.itemId,
      quantity: { ordered: l.quantity, current: l.quantity, fulfilled: 0 },
      unit_price: l.unitAmount,
      subtotal: l.amounts.subtotal,
      status: 'processing',
    })),
    fulfillments: [],
    adjustments: [],
    totals: sessionTotalsToWire(state),
    confirmation: { confirmation_number: orderId, confirmation_email_sent: false },
  };
  if (state.orderNotes !== undefined && order.confirmation) order.confirmation.order_notes = state.orderNotes;
  if (config.support) order.support = { ...config.support };
  void now;
  return order;
}

export function sessionTotalsToWire(state: Pick<SessionState, 'totals' | 'lines'>) {
  const t = state.totals;
  return [
    { type: 'items_base_amount' as const, display_text: 'Items', amount: t.itemsBaseAmount },
    { type: 'items_discount' as const, display_text: 'Item discounts', amount: t.itemsDiscount },
    { type: 'subtotal' as const, display_text: 'Subtotal', amount: t.subtotal },
    { type: 'discount' as const, display_text: 'Discount', amount: t.discount },
    { type: 'fulfillment' as const, display_text: 'Shipping', amount: t.fulfillment },
    { type: 'tax' as const, display_text: 'Tax', amount: t.tax },
    { type: 'total' as const, display_text: 'Total', amount: t.total },
  ];
}

// ------------------------------------------------------------------------------------------ cancel

/** Cancels a session where STATUS_RULES allows it (the machine calls it only there). */
export function cancelSession(
  state: SessionOf<AllowedStatus<'cancel'>>,
  request: CancelSessionRequest | undefined,
  ctx: EngineContext,
  /** The attempt waiting for 3DS when the session is `authentication_required`: its payment is canceled. */
  waiting?: PaymentAttempt,
): Decision {
  const next = toClosed({ ...state, updatedAt: iso(ctx.now), notices: [], messages: [] }, 'canceled');
  if (request?.intent_trace) {
    next.writeOnly = { ...next.writeOnly, intentTrace: ownCopy(normalizeIntentTrace(request.intent_trace)) };
  }
  const effects: Effect[] = [];
  if (state.status === 'in_progress') effects.push(expireLink(state.id, state.paymentLink.linkId));
  const abandoned = abandonWaitingPayment(state, waiting, ctx);
  effects.push(...abandoned.effects);
  const attempts: PaymentAttempt[] = abandoned.attempts;
  return ok({ state: next, effects, attempts });
}

const REASON_CODES = new Set([
  'price_sensitivity',
  'shipping_cost',
  'shipping_speed',
  'product_fit',
  'trust_security',
  'returns_policy',
  'payment_options',
  'comparison',
  'timing_deferred',
  'other',
]);

/** Unknown `reason_code` values are treated as `other` (rfc.intent_traces.md). */
export function normalizeIntentTrace<T extends { reason_code: string }>(trace: T): T {
  return REASON_CODES.has(trace.reason_code) ? trace : { ...trace, reason_code: 'other' };
}

// ------------------------------------------------------------------------------------------ payment links

/**
 * A link's expiry is stored on its attempt and sent to the PSP exactly as stored, so that a retry under the
 * same key sends identical parameters (Stripe refuses a key reused with other parameters). The PSP accepts
 * 30 min .. 24 h after creation (stripe.md §3.1): a new link gets at least 35 min and at most 23 h 55 min,
 * and a recorded attempt is reused only while more than 31 min are left, so its stored expiry is still
 * acceptable when the retry reaches the PSP.
 */
const LINK_MIN_LIFETIME_MS = 35 * 60 * 1000;
const LINK_REUSE_MIN_MS = 31 * 60 * 1000;
const LINK_MAX_LIFETIME_MS = (24 * 60 - 5) * 60 * 1000;

/**
 * Starts a hosted payment link for a payable session. The session changes only after the link exists
 * (`paymentLinkOpened`); two concurrent calls compute the same attempt number and therefore the same PSP
 * idempotency key, so they get the same link.
 */
export function beginPaymentLink(
  state: SessionState,
  pending: PaymentAttempt | undefined,
  ctx: EngineContext,
): Decision {
  if (state.status === 'in_progress') return ok({ state, effects: [], attempts: [] });
  if (state.status !== 'ready_for_payment') {
    const refused = permission(state, 'complete');
    return fail(
      refused ?? new AcpError('session_not_payable', 'This checkout session is not ready for payment.'),
    );
  }
  // A link attempt recorded by an earlier call whose PSP answer was lost is reused as is (same key) only when
  // the request it would send now is identical to the one it sent (a PSP rejects a key reused with other
  // parameters: the buyer's email, lines, shipping may have changed since, e.g. at a declined complete).
  const reusable =
    pending !== undefined &&
    pending.kind === 'payment_link' &&
    pending.status === 'pending' &&
    pending.id === state.pendingLinkAttemptId &&
    pending.linkFingerprint !== undefined &&
    pending.linkExpiresAt !== undefined &&
    Date.parse(pending.linkExpiresAt) - ctx.now.getTime() > LINK_REUSE_MIN_MS;
  const reuse = reusable && linkFingerprint(linkRequestFor(state, pending)) === pending.linkFingerprint;
  let attempt: PaymentAttempt;
  if (reuse) {
    attempt = pending;
  } else {
    const now = ctx.now.getTime();
    const linkExpiry = Math.min(
      Math.max(
        Math.min(now + ctx.config.paymentLinkTtlSeconds * 1000, Date.parse(state.expiresAt)),
        now + LINK_MIN_LIFETIME_MS,
      ),
      now + LINK_MAX_LIFETIME_MS,
    );
    attempt = newAttempt(state, 'payment_link', ctx, { linkExpiresAt: new Date(linkExpiry).toISOString() });
    attempt.linkFingerprint = linkFingerprint(linkRequestFor(state, attempt));
  }
  const request = linkRequestFor(state, attempt);
  // The attempt is committed before the PSP call, like a charge.
  const next: PayableSession = {
    ...state,
    attemptCount: Math.max(state.attemptCount, attempt.number),
    pendingLinkAttemptId: attempt.id,
    updatedAt: iso(ctx.now),
  };
  return ok({
    state: next,
    effects: [createLink(attempt, request)],
    attempts: reuse ? [] : [attempt],
  });
}

/** Fingerprint of a payment-link request: SHA-256 of its canonical JSON (RFC 8785). */
export function linkFingerprint(request: PaymentLinkRequest): string {
  return sha256Hex(canonicalJson(request));
}

/** The PSP request a payment-link attempt sends for the session as it is now. */
function linkRequestFor(state: SessionBase, attempt: PaymentAttempt): PaymentLinkRequest {
  const shipping = state.selectedFulfillmentOptions
    .map((s) => state.fulfillmentOptions.find((o) => o.id === s.option_id))
    .find((o) => o !== undefined && o.type !== 'digital');
  const request: PaymentLinkRequest = {
    sessionId: state.id,
    attemptId: attempt.id,
    idempotencyKey: attempt.idempotencyKey,
    amount: state.totals.total,
    currency: state.currency,
    lines: state.lines.map((l) => ({
      name: l.name,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      ...(l.description ? { description: l.description } : {}),
      ...(l.images.length ? { images: l.images } : {}),
    })),
    tax: state.totals.tax,
    expiresAt: attempt.linkExpiresAt!,
    metadata: { checkout_session_id: state.id, attempt: String(attempt.number) },
    ...(shipping ? { shipping: { title: shipping.title, amount: shipping.subtotal } } : {}),
    ...(state.buyer?.email ? { buyerEmail: state.buyer.email } : {}),
  };
  return request;
}

/**
 * Drops a recorded payment-link attempt whose create answered a 5xx: the PSP saved that answer under the
 * attempt's key and would replay it on every retry, so the next call starts a new attempt with a new key.
 * Safe: even if the PSP created a link, nobody ever received its URL, so it cannot be paid. The session's
 * recorded link attempt is `attempt` (the machine applies the command only then); its status is unchanged.
 */
export function abandonPaymentLinkAttempt(
  state: LinkPendingSession,
  attempt: PaymentAttempt,
  ctx: EngineContext,
): Transition {
  const now = iso(ctx.now);
  const { pendingLinkAttemptId: _abandoned, ...rest } = state;
  return {
    state: { ...rest, updatedAt: now },
    effects: [],
    attempts: [{ ...attempt, status: 'abandoned', updatedAt: now }],
  };
}

/**
 * The PSP opened the link of the session's recorded link attempt `attempt` (the machine applies the command
 * only then): the session waits on it, `in_progress`. The shell decides it on the state it recorded the
 * attempt in (`ready_for_payment`) and commits it only if nothing changed since.
 */
export function paymentLinkOpened(
  state: LinkPendingSession,
  attempt: PaymentAttempt,
  link: { linkId: string; url: string; expiresAt: string },
  ctx: EngineContext,
): Transition {
  const next = toLink(
    {
      ...state,
      attemptCount: Math.max(state.attemptCount, attempt.number),
      updatedAt: iso(ctx.now),
      notices: [],
    },
    { attemptId: attempt.id, ...link },
  );
  return {
    state: next,
    effects: [],
    attempts: [{ ...attempt, paymentId: link.linkId, linkId: link.linkId, updatedAt: iso(ctx.now) }],
  };
}

/**
 * Whether `attempt` is the session's own recorded link attempt for the PSP link `linkId` (a link this session
 * opened). Only such a link's payment may complete the session or be refunded as its duplicate: anything else
 * is not ours to take or to refund.
 */
export function isOwnLinkAttempt(attempt: PaymentAttempt, sessionId: string, linkId: string): boolean {
  return (
    attempt.sessionId === sessionId &&
    attempt.kind === 'payment_link' &&
    (attempt.linkId === linkId || (attempt.linkId === undefined && attempt.paymentId === linkId))
  );
}

/**
 * Whether a payment does NOT cover the session: another currency, or less than its total. Such a payment never
 * becomes the order (goods must not ship underpaid): it is refunded and the session stays payable. A payment
 * above the total still places the order, flagged (`paymentMismatch`).
 */
export function paymentFallsShort(
  state: Pick<SessionState, 'currency' | 'totals'>,
  payment: { amount: number; currency: string },
): boolean {
  return payment.currency.toLowerCase() !== state.currency || payment.amount < state.totals.total;
}

/**
 * A paid link of ours whose payment falls short of the session (see `paymentFallsShort`; should not happen):
 * the link attempt is recorded as failed and, if it is the session's open link, the session is payable again
 * with a notice. The service refunds the payment. Undefined when nothing changes in the session.
 */
export function rejectShortLinkPayment(
  state: SessionState,
  own: PaymentAttempt,
  event: { linkId: string; paymentId: string; amount: number; currency: string },
  ctx: EngineContext,
): Transition | undefined {
  if (state.status !== 'in_progress' || state.paymentLink.linkId !== event.linkId) return undefined;
  const now = iso(ctx.now);
  const failed: PaymentAttempt = {
    ...own,
    status: 'failed',
    updatedAt: now,
    failure: {
      code: 'amount_mismatch',
      message: `The payment (${event.amount} ${event.currency}) did not cover the total; it is refunded.`,
    },
  };
  const next = toPayable(
    {
      ...state,
      updatedAt: now,
      notices: [
        paymentDeclinedMessage(
          'The payment on the hosted page did not cover the order total and is refunded in full. Pay again to complete the order.',
        ),
      ],
    },
    statusFromMessages(state.messages),
  );
  return { state: next, effects: [], attempts: [failed] };
}

/**
 * A charge that succeeded after its attempt was closed (a send that hung past its lease, answered after
 * another process proved the key quiet and closed it), for a session that has no order and can still take
 * one (`linkPaymentDisposition` is `order`: payable, canceled, expired, a link open, waiting for 3DS): the
 * payment wins, as for a late link payment. A payment waiting for 3DS on the session is abandoned (canceled at
 * the PSP). The caller refunds instead when the payment falls short (`paymentFallsShort`).
 */
/**
 * What a charge that succeeded after its attempt was closed becomes (the session moved on meanwhile):
 * - `order`: the session can still take an order and the payment covers it: it is the order (the payment wins);
 * - `duplicate`: the session has its order already, or another charge is in flight: refunded as a duplicate;
 * - `canceled`: the buyer canceled the session after this attempt was closed (a cancel is refused while an
 *   attempt is in flight): that explicit cancel stands over a charge the buyer was told did not go through;
 * - `underpaid`: the payment falls short of the session (`paymentFallsShort`): refunded, no order.
 * A hosted link the buyer paid still wins over a cancel: that is `applyPaymentLinkEvent`.
 */
export function lateChargeDisposition(
  state: Pick<SessionState, 'status' | 'currency' | 'totals'>,
  payment: { amount: number; currency: string },
): 'order' | 'duplicate' | 'canceled' | 'underpaid' {
  // Only a `completed` session has an order (`linkPaymentDisposition`: `completed`).
  if (linkPaymentDisposition(state) !== 'order') return 'duplicate';
  if (state.status === 'canceled') return 'canceled';
  if (paymentFallsShort(state, payment)) return 'underpaid';
  return 'order';
}

/** A late charge (see `lateChargeDisposition`) that is the order. Undefined when it cannot be. */
export function placeLateCharge(
  state: SessionState,
  attempt: PaymentAttempt,
  payment: { paymentId: string; amount: number; currency: string; card?: { brand?: string; last4?: string } },
  ctx: EngineContext & { orderId: string },
  waiting?: PaymentAttempt,
): Transition | undefined {
  if (lateChargeDisposition(state, payment) !== 'order') return undefined;
  const now = iso(ctx.now);
  const done = settled(attempt, {
    status: 'succeeded',
    paymentId: payment.paymentId,
    updatedAt: now,
    ...(payment.card ? { card: payment.card } : {}),
  });
  delete done.failure; // closed as failed before it turned out to have charged
  const other = waiting && waiting.id !== attempt.id && waiting.paymentId !== payment.paymentId;
  const abandoned = other ? abandonWaitingPayment(state, waiting, ctx) : { effects: [], attempts: [] };
  const t = placeOrder(state, done, payment.paymentId, ctx, [done, ...abandoned.attempts], payment);
  return { ...t, effects: [...abandoned.effects, ...t.effects] };
}

/**
 * What a paid link's payment means for its session:
 * - `order`: it becomes the session's order (whatever the status: canceled or expired included, the payment
 *   wins);
 * - `wait`: a charge attempt of the session is in flight (`complete_in_progress`): its outcome must be known
 *   first, never dropped, so the event is applied later (the service throws and the PSP redelivers; if both
 *   payments succeed, the later one is refunded as a duplicate);
 * - `completed`: the session already has its order: unless that order is this payment, it is a duplicate.
 */
export function linkPaymentDisposition(state: Pick<SessionState, 'status'>): 'order' | 'wait' | 'completed' {
  if (state.status === 'completed') return 'completed';
  if (state.status === 'complete_in_progress') return 'wait';
  return 'order';
}

/**
 * Applies a PSP event about a payment link. Duplicates and out-of-order deliveries are harmless: a
 * completed session ignores everything, and expiry/failure only apply to the link that is currently open.
 * A successful payment always wins: it completes the session even if it was canceled or expired meanwhile,
 * because money was taken and must end in exactly one order. While a charge attempt is in flight
 * (`complete_in_progress`) a payment is not applied (see `linkPaymentDisposition`).
 */
export function applyPaymentLinkEvent(
  state: SessionState,
  event: Extract<PaymentEvent, { type: `payment_link.${string}` }>,
  ctx: EngineContext & { orderId: string },
  /** For `payment_link.succeeded`: the session's own recorded attempt of that link (`isOwnLinkAttempt`). */
  own?: PaymentAttempt,
): Transition | undefined {
  const now = iso(ctx.now);
  if (state.status === 'completed') return undefined;
  switch (event.type) {
    case 'payment_link.succeeded': {
      if (linkPaymentDisposition(state) !== 'order') return undefined;
      // Only a link this session opened: a payment of someone else's Checkout Session is never taken.
      if (!own || !isOwnLinkAttempt(own, state.id, event.linkId)) return undefined;
      if (paymentFallsShort(state, event)) return undefined;
      const attempt: PaymentAttempt = {
        ...own,
        linkId: event.linkId,
        status: 'succeeded',
        amount: event.amount,
        currency: event.currency,
        paymentId: event.paymentId,
        updatedAt: now,
      };
      delete attempt.failure;
      return placeOrder(state, attempt, event.paymentId, ctx, [attempt], event);
    }
    case 'payment_link.expired':
    case 'payment_link.failed': {
      // Only the link that is open now.
      if (state.status !== 'in_progress') return undefined;
      if ('linkId' in event && event.linkId !== undefined && event.linkId !== state.paymentLink.linkId) {
        return undefined;
      }
      const notices: Message[] =
        event.type === 'payment_link.failed'
          ? [paymentDeclinedMessage(event.message)]
          : [
              {
                type: 'info',
                content_type: 'plain',
                content: 'The payment link expired before it was paid. Create a new one to pay.',
              },
            ];
      const next = toPayable({ ...state, updatedAt: now, notices }, statusFromMessages(state.messages));
      return { state: next, effects: [], attempts: [] };
    }
  }
}
