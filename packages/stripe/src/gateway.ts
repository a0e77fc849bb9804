// createStripeGateway: core's PaymentGatewayV1 on the official stripe-node client (^23). The caller builds
// and injects `new Stripe(key, {...})`; this module never reads the environment.
import type {
  ChargeRequest,
  ChargeResult,
  CredentialCheck,
  CredentialCheckResult,
  PaymentAttempt,
  PaymentGatewayV1,
  PaymentLinkRequest,
  PaymentLinkResult,
  PaymentLinkStatus,
  PaymentRefund,
  ReconcileResult,
  ReconcileWindow,
  RefundRequest,
  RefundResult,
} from '@acp/core';
import type Stripe from 'stripe';
import { StripeAdapterError } from './errors.js';
import {
  type AuthenticationSettings,
  classifyError,
  type ErrorClass,
  fromPaymentIntent,
  type TokenProblem,
  tokenUnusable,
} from './outcomes.js';
import {
  createPaymentIntentWithSpt,
  type GrantedToken,
  isSptId,
  retrieveGrantedToken,
  type SptParameterLocation,
} from './spt.js';

/** The preview version sent on SPT calls unless configured (the API reference's curl examples use it). */
export const DEFAULT_SPT_API_VERSION = '2026-04-22.preview';

/** Metadata keys the gateway writes on PaymentIntents and Checkout Sessions. */
export const METADATA_KEYS = {
  sessionId: 'acp_checkout_session_id',
  attemptId: 'acp_attempt_id',
  idempotencyKey: 'acp_idempotency_key',
  kind: 'acp_kind',
} as const;

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
  paymentLinks?: {
    /** `{CHECKOUT_SESSION_ID}` is substituted by Stripe. */
    successUrl: string;
    cancelUrl?: string;
  };
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

export interface StripeGateway extends PaymentGatewayV1 {
  readonly stripe: Stripe;
}

/** Checks the 3DS acquirer settings (ACP `acquirer_details` limits); throws naming the first bad option. */
function checkAuthentication(a: AuthenticationSettings | undefined): AuthenticationSettings | undefined {
  if (a === undefined) return undefined;
  const rules: [keyof AuthenticationSettings, RegExp, string][] = [
    ['acquirerBin', /^\d{6,11}$/, 'the acquirer BIN: 6 to 11 digits'],
    ['acquirerCountry', /^[A-Z]{2}$/, 'the acquirer country: ISO 3166-1 alpha-2, e.g. "US"'],
    ['acquirerMerchantId', /^\S.{0,34}$/, 'the merchant id at the acquirer: 1 to 35 characters'],
    ['merchantName', /^\S.{0,39}$/, 'the merchant name shown in the challenge: 1 to 40 characters'],
  ];
  for (const [key, re, what] of rules) {
    const v = a[key];
    if (typeof v !== 'string' || !re.test(v)) {
      throw new StripeAdapterError(
        'invalid_argument',
        `authentication.${key} is required when 3D Secure is offered (${what}). Omit \`authentication\` to send 3DS payments to the hosted payment link instead.`,
        { param: `authentication.${key}` },
      );
    }
  }
  if (a.requestorId !== undefined && !/^.{1,35}$/.test(a.requestorId)) {
    throw new StripeAdapterError(
      'invalid_argument',
      'authentication.requestorId must be 1 to 35 characters.',
      {
        param: 'authentication.requestorId',
      },
    );
  }
  return { ...a };
}

const EXPAND = ['latest_charge', 'payment_method'];
/** Added on both sides of the window `reconcile` lists (clock difference between us and Stripe). */
const CLOCK_SLACK_SECONDS = 5 * 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stripe idempotency keys are scoped to the account, not to the endpoint, and core numbers payment-link and
 * charge attempts with one counter. A link attempt is recorded only after its Checkout Session exists, so
 * after a lost create answer the next charge attempt gets the same number, hence the same key: under one key
 * Stripe would refuse the PaymentIntent (`idempotency_error`) for 24 h. Checkout Sessions get their own
 * namespace, still a pure function of the attempt's key.
 */
const checkoutSessionKey = (attemptKey: string) => `${attemptKey}_checkout_session`;
const isoFromUnix = (s: number) => new Date(s * 1000).toISOString();
const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : v?.id);

function retryable(c: ErrorClass, paymentId?: string): ChargeResult {
  const base = paymentId ? { paymentId } : {};
  switch (c.kind) {
    case 'rate_limited':
      return {
        status: 'retryable_failure',
        reason: 'rate_limited',
        message: 'The payment provider is rate limiting requests.',
        retryAfterSeconds: c.retryAfterSeconds ?? 1,
        ...base,
      };
    case 'network':
      return {
        status: 'retryable_failure',
        reason: 'network',
        message: 'The payment provider could not be reached.',
        ...base,
      };
    case 'server':
      return {
        status: 'retryable_failure',
        reason: 'server_error',
        message: 'The payment provider had an error.',
        ...base,
      };
    default:
      return {
        status: 'retryable_failure',
        reason: 'unknown',
        message: 'The payment outcome is unknown.',
        ...base,
      };
  }
}

/** Which problem makes a token unusable for this charge, if any. */
export function tokenProblem(
  token: GrantedToken,
  amount: number,
  currency: string,
  nowSeconds: number,
): TokenProblem | undefined {
  if (token.deactivatedAt !== null || token.deactivatedReason) {
    const r = token.deactivatedReason;
    return r === 'consumed' || r === 'expired' || r === 'revoked' ? r : 'deactivated';
  }
  const limits = token.usageLimits;
  if (limits?.expiresAt !== null && limits?.expiresAt !== undefined && limits.expiresAt <= nowSeconds)
    return 'expired';
  if (limits?.currency && limits.currency !== currency.toLowerCase()) return 'currency';
  if (limits && amount > limits.maxAmount - token.amountCaptured) return 'amount';
  return undefined;
}

export function createStripeGateway(options: StripeGatewayOptions): StripeGateway {
  const { stripe } = options;
  const sptVersion = options.sptApiVersion ?? DEFAULT_SPT_API_VERSION;
  const location = options.sptParameter ?? 'payment_method_data';
  const validate = options.validateTokenBeforeCharge ?? true;
  const auth = checkAuthentication(options.authentication);
  const rateRetries = options.rateLimitRetries ?? 2;
  const rateDelay = options.rateLimitRetryDelayMs ?? 500;
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const describe = options.description ?? ((sid: string) => `Checkout ${sid}`);
  const listLimit = Math.max(100, options.reconcileListLimit ?? 2000);

  /** Runs a Stripe call, retrying plain 429s with backoff (the idempotency key stays the same). */
  async function call<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        const c = classifyError(e);
        if (c.kind !== 'rate_limited' || i >= rateRetries) throw e;
        await sleep(rateDelay * 2 ** i);
      }
    }
  }

  function fromError(e: unknown, context: { consumedBefore?: boolean } = {}): ChargeResult {
    const c = classifyError(e);
    switch (c.kind) {
      case 'card':
        return c.result;
      case 'invalid': {
        // A 400 moved no money. On the SPT parameter (or an unknown token) it means the token cannot pay.
        const onToken = (c.param ?? '').includes('shared_payment') || c.code === 'resource_missing';
        if (onToken) {
          const problem: TokenProblem =
            c.code === 'resource_missing' ? 'not_found' : context.consumedBefore ? 'consumed' : 'deactivated';
          return tokenUnusable(problem, c.paymentId);
        }
        logger?.warn('Stripe refused the charge request', { code: c.code, param: c.param });
        return {
          status: 'declined',
          code: c.code ?? 'invalid_request',
          message: 'The payment could not be processed. Please try again or use a different payment method.',
          ...(c.paymentId ? { paymentId: c.paymentId } : {}),
        };
      }
      case 'idempotency':
        // Our key was reused with other parameters (e.g. a deploy changed a parameter between two sends): the
        // request did not execute, and the key still holds the first execution's saved answer (a payment may
        // exist). Keep the attempt pending so that reconcile looks it up instead of risking a second charge;
        // `key_conflict` tells core the send did not execute (a saved-5xx mark stays: see core README 16).
        logger?.error?.('Stripe idempotency_error on a charge: the key was reused with different parameters');
        return {
          status: 'retryable_failure',
          reason: 'key_conflict',
          message: 'The payment provider refused a retry with changed parameters; confirming the first one.',
        };
      case 'auth':
        logger?.error?.('Stripe rejected the API key (authentication/permission error)');
        return retryable(c);
      default:
        return retryable(c);
    }
  }

  /** Best effort: cancel a PaymentIntent left in `requires_action` that nobody will authenticate. */
  async function cancelPayment(
    paymentId: string,
  ): Promise<{ status: 'canceled' | 'not_cancelable' | 'retryable_failure'; message?: string }> {
    if (!/^pi_[A-Za-z0-9_]+$/.test(paymentId)) return { status: 'not_cancelable' };
    try {
      await call(() => stripe.paymentIntents.cancel(paymentId, { cancellation_reason: 'abandoned' }));
      return { status: 'canceled' };
    } catch (e) {
      const c = classifyError(e);
      // Already succeeded/canceled (payment_intent_unexpected_state) or unknown: nothing left to cancel.
      if (c.kind === 'invalid') return { status: 'not_cancelable' };
      return { status: 'retryable_failure', message: 'Stripe could not cancel the PaymentIntent; retry.' };
    }
  }

  /** A PaymentIntent's outcome; one waiting for 3DS that cannot be offered is canceled, then declined. */
  async function settle(pi: Stripe.PaymentIntent): Promise<ChargeResult> {
    const result = fromPaymentIntent(pi, auth);
    if (pi.status === 'requires_action' && result.status === 'declined') {
      const canceled = await cancelPayment(pi.id);
      if (canceled.status === 'retryable_failure')
        logger?.warn('could not cancel a PaymentIntent needing unavailable 3DS', { paymentId: pi.id });
    }
    return result;
  }

  function validateCredential(input: CredentialCheck): CredentialCheckResult {
    if (input.credential.type !== 'spt') {
      return {
        ok: false,
        field: 'type',
        message: 'This store accepts Stripe Shared Payment Tokens only (credential.type "spt").',
      };
    }
    if (!isSptId(input.credential.token)) {
      return {
        ok: false,
        field: 'token',
        message: 'must be a Stripe Shared Payment Token id: "spt_" followed by letters and digits.',
      };
    }
    return { ok: true };
  }

  async function charge(req: ChargeRequest): Promise<ChargeResult> {
    if (req.continuePaymentId) return continueAfterAuthentication(req, req.continuePaymentId);
    if (req.credential.type !== 'spt') {
      return {
        status: 'declined',
        code: 'unsupported_credential',
        message: 'This store accepts Stripe Shared Payment Tokens only.',
      };
    }
    const token = req.credential.token;
    // Never send anything but an SPT id to Stripe (it goes into a URL path on retrieve).
    if (!isSptId(token)) return tokenUnusable('not_found');
    // 3DS only when it can be offered (acquirer data configured) and the agent can perform it; otherwise
    // fail fast instead of leaving the PaymentIntent in requires_action (stripe.md §2.4, §1.3).
    const failOnAction = !auth || req.authenticationAvailable === false;
    let consumedBefore = false;
    if (validate) {
      let granted: GrantedToken;
      try {
        granted = await call(() => retrieveGrantedToken(stripe, token, sptVersion));
      } catch (e) {
        const c = classifyError(e);
        if (c.kind === 'invalid')
          return tokenUnusable(c.code === 'resource_missing' ? 'not_found' : 'deactivated');
        if (c.kind === 'unknown' && e instanceof TypeError) return tokenUnusable('not_found');
        return fromError(e);
      }
      const problem = tokenProblem(granted, req.amount, req.currency, Math.floor(now() / 1000));
      // A consumed (or partly captured) token may have been consumed by THIS attempt (a lost response, a
      // retry): send the same create again, which Stripe answers from its idempotency cache. If the token was
      // used elsewhere, Stripe refuses it (400, no money moves) and the result is the same token_unusable.
      consumedBefore = problem === 'consumed' || granted.amountCaptured > 0;
      if (problem && !consumedBefore) return tokenUnusable(problem);
    }
    const metadata = {
      ...req.metadata,
      [METADATA_KEYS.sessionId]: req.sessionId,
      [METADATA_KEYS.attemptId]: req.attemptId,
      [METADATA_KEYS.idempotencyKey]: req.idempotencyKey,
      [METADATA_KEYS.kind]: 'spt_charge',
    };
    const description = describe(req.sessionId);
    try {
      const pi = await call(() =>
        createPaymentIntentWithSpt(
          stripe,
          {
            amount: req.amount,
            currency: req.currency.toLowerCase(),
            confirm: true,
            metadata,
            // Server-side confirm without return_url: never allow redirect-based methods.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            expand: EXPAND,
            ...(failOnAction ? { error_on_requires_action: true } : {}),
            ...(description ? { description } : {}),
          },
          token,
          location,
          { idempotencyKey: req.idempotencyKey, apiVersion: sptVersion },
        ),
      );
      return await settle(pi);
    } catch (e) {
      return fromError(e, { consumedBefore });
    }
  }

  async function continueAfterAuthentication(req: ChargeRequest, paymentId: string): Promise<ChargeResult> {
    let pi: Stripe.PaymentIntent;
    try {
      pi = await call(() =>
        stripe.paymentIntents.retrieve(paymentId, { expand: EXPAND }, { apiVersion: sptVersion }),
      );
    } catch (e) {
      return fromError(e);
    }
    if (pi.status !== 'requires_action' && pi.status !== 'requires_confirmation') return settle(pi);
    const result = req.authenticationResult;
    const details = result?.outcome_details;
    if (pi.status === 'requires_action' && !details) return settle(pi);
    const ares =
      result?.outcome === 'attempt_acknowledged' ? 'A' : result?.outcome === 'informational' ? 'I' : 'Y';
    try {
      const confirmed = await call(() =>
        stripe.paymentIntents.confirm(
          paymentId,
          {
            expand: EXPAND,
            ...(details
              ? {
                  payment_method_options: {
                    card: {
                      three_d_secure: {
                        ares_trans_status: ares,
                        cryptogram: details.three_ds_cryptogram,
                        electronic_commerce_indicator: details.electronic_commerce_indicator,
                        transaction_id: details.transaction_id,
                        version: details.version,
                      },
                    },
                  },
                }
              : {}),
          },
          { idempotencyKey: req.idempotencyKey, apiVersion: sptVersion },
        ),
      );
      return await settle(confirmed);
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'invalid' && c.code === 'payment_intent_authentication_failure') {
        return {
          status: 'declined',
          code: 'payment_intent_authentication_failure',
          message: '3D Secure authentication failed. Please try again or use a different payment method.',
          paymentId,
        };
      }
      return fromError(e);
    }
  }

  /**
   * Lists the PaymentIntents created while charges were sent under the attempt's key (core's `window`, plus
   * clock slack on both sides), newest first, for one carrying the attempt's key in its metadata. The List API
   * is read-after-write consistent ("For read-after-write flows that require immediate data availability, use
   * the various list APIs": https://docs.stripe.com/search#data-freshness), so a COMPLETE scan that finds
   * nothing proves there is no PaymentIntent for the key. A scan cut short by `reconcileListLimit` proves
   * nothing (`complete: false`) but says where it stopped (`last`), and core's next call continues there
   * (`window.resumeAfter`, Stripe's `starting_after` cursor): the list is ordered newest first and the
   * attempt's PaymentIntent, if any, exists already, so the scans of the parts add up to a complete scan.
   */
  async function listWindow(
    attempt: PaymentAttempt,
    window: ReconcileWindow | undefined,
  ): Promise<{ found?: Stripe.PaymentIntent; complete: boolean; last?: string }> {
    const from = Date.parse(window?.sentFrom ?? attempt.sends?.firstAt ?? attempt.createdAt);
    // Without a window from core: everything from the first send until now.
    const until = window ? Date.parse(window.sentUntil) : now();
    if (!Number.isFinite(from) || !Number.isFinite(until)) return { complete: false };
    let scanned = 0;
    for await (const pi of stripe.paymentIntents.list({
      created: {
        gte: Math.floor(from / 1000) - CLOCK_SLACK_SECONDS,
        lte: Math.ceil(until / 1000) + CLOCK_SLACK_SECONDS,
      },
      limit: 100,
      expand: EXPAND.map((e) => `data.${e}`),
      ...(window?.resumeAfter && /^pi_[A-Za-z0-9_]+$/.test(window.resumeAfter)
        ? { starting_after: window.resumeAfter }
        : {}),
    })) {
      if (pi.metadata?.[METADATA_KEYS.idempotencyKey] === attempt.idempotencyKey) {
        return { found: pi, complete: true };
      }
      if (++scanned >= listLimit) return { complete: false, last: pi.id };
    }
    return { complete: true };
  }

  async function reconcile(attempt: PaymentAttempt, window?: ReconcileWindow): Promise<ReconcileResult> {
    if (attempt.kind !== 'charge') return { status: 'not_found', proof: 'none' };
    try {
      if (attempt.paymentId?.startsWith('pi_')) {
        const paymentId = attempt.paymentId;
        const pi = await call(() => stripe.paymentIntents.retrieve(paymentId, { expand: EXPAND }));
        // A 3DS continuation whose PaymentIntent still waits (its confirm never took effect): nothing was
        // charged, and the PaymentIntent itself is the proof. Core confirms again under the same key, or, if
        // that key holds a saved 5xx, returns the session to authentication_required.
        if (
          attempt.continuesAttemptId &&
          (pi.status === 'requires_action' || pi.status === 'requires_confirmation')
        ) {
          return { status: 'not_found', proof: 'payment' };
        }
        return await settle(pi);
      }
      const listed = await listWindow(attempt, window);
      if (listed.found) return await settle(listed.found);
      if (listed.complete) return { status: 'not_found', proof: 'list' };
      if ((options.reconcileBy ?? 'search') === 'none') {
        return { status: 'not_found', proof: 'none', ...(listed.last ? { resumeAfter: listed.last } : {}) };
      }
      // The window held too many PaymentIntents to scan: search finds older ones, but lags writes ("more
      // delayed during an outage"), so a miss is only evidence.
      logger?.warn('reconcile: the List API window was too large to scan; falling back to search', {
        attemptId: attempt.id,
      });
      const key = attempt.idempotencyKey.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      const found = await call(() =>
        stripe.paymentIntents.search({
          query: `metadata['${METADATA_KEYS.idempotencyKey}']:'${key}'`,
          expand: EXPAND.map((e) => `data.${e}`),
          limit: 10,
        }),
      );
      const pi = found.data[0];
      return pi
        ? await settle(pi)
        : { status: 'not_found', proof: 'search', ...(listed.last ? { resumeAfter: listed.last } : {}) };
    } catch (e) {
      return retryable(classifyError(e), attempt.paymentId);
    }
  }

  function checkoutLineItems(req: PaymentLinkRequest): Stripe.Checkout.SessionCreateParams.LineItem[] {
    const currency = req.currency.toLowerCase();
    const itemized =
      req.lines.reduce((a, l) => a + l.unitAmount * l.quantity, 0) + req.tax + (req.shipping?.amount ?? 0);
    if (itemized !== req.amount || req.lines.some((l) => l.unitAmount < 0)) {
      // Discounts make the lines not add up: charge one line with the exact session total.
      return [
        {
          quantity: 1,
          price_data: {
            currency,
            unit_amount: req.amount,
            product_data: {
              name: 'Order total',
              description:
                req.lines
                  .map((l) => `${l.quantity} × ${l.name}`)
                  .join(', ')
                  .slice(0, 500) || 'Order',
            },
          },
        },
      ];
    }
    const items: Stripe.Checkout.SessionCreateParams.LineItem[] = req.lines.map((l) => ({
      quantity: l.quantity,
      price_data: {
        currency,
        unit_amount: l.unitAmount,
        product_data: {
          name: l.name,
          ...(l.description ? { description: l.description } : {}),
          ...(l.images?.length ? { images: l.images.slice(0, 8) } : {}),
        },
      },
    }));
    if (req.tax > 0) {
      items.push({
        quantity: 1,
        price_data: { currency, unit_amount: req.tax, product_data: { name: 'Tax' } },
      });
    }
    return items;
  }

  async function createPaymentLink(req: PaymentLinkRequest): Promise<PaymentLinkResult> {
    const links = options.paymentLinks!;
    // Sent exactly as core stored it on the attempt (core keeps it within Stripe's 30 min .. 24 h and reuses
    // an attempt only while it still is): a retry under the same key must send identical parameters, so
    // nothing here may depend on the current time.
    const expiresAt = Math.floor(Date.parse(req.expiresAt) / 1000);
    if (!Number.isFinite(expiresAt)) {
      throw new StripeAdapterError('stripe_request_failed', 'The payment link expiry is not a valid time.');
    }
    const metadata = {
      ...req.metadata,
      [METADATA_KEYS.sessionId]: req.sessionId,
      [METADATA_KEYS.attemptId]: req.attemptId,
      [METADATA_KEYS.kind]: 'payment_link',
    };
    const currency = req.currency.toLowerCase();
    const itemized = checkoutLineItems(req);
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: itemized,
      success_url: links.successUrl,
      ...(links.cancelUrl ? { cancel_url: links.cancelUrl } : {}),
      expires_at: expiresAt,
      client_reference_id: req.sessionId,
      metadata,
      payment_intent_data: { metadata, description: describe(req.sessionId) ?? `Checkout ${req.sessionId}` },
      ...(req.buyerEmail ? { customer_email: req.buyerEmail } : {}),
      ...(req.shipping && req.shipping.amount > 0
        ? {
            shipping_options: [
              {
                shipping_rate_data: {
                  type: 'fixed_amount',
                  display_name: req.shipping.title.slice(0, 100) || 'Shipping',
                  fixed_amount: { amount: req.shipping.amount, currency },
                },
              },
            ],
          }
        : {}),
    };
    // Shipping in a single summary line is already included in its amount.
    if (itemized.length === 1 && itemized[0]?.price_data?.product_data?.name === 'Order total')
      delete params.shipping_options;
    try {
      const session = await call(() =>
        stripe.checkout.sessions.create(params, { idempotencyKey: checkoutSessionKey(req.idempotencyKey) }),
      );
      if (!session.url)
        throw new StripeAdapterError(
          'stripe_request_failed',
          'Stripe returned a Checkout Session without a URL.',
        );
      return {
        status: 'created',
        linkId: session.id,
        url: session.url,
        expiresAt: isoFromUnix(session.expires_at),
      };
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'idempotency') {
        // The key was used with other parameters: nobody has a link under it. Core drops the attempt and
        // retries at once with a new key (never a misleading "retry to get the link" for 24 h).
        logger?.error?.('Stripe idempotency_error on a Checkout Session create: the key is abandoned', {
          attemptId: req.attemptId,
        });
        return {
          status: 'retryable_failure',
          reason: 'key_conflict',
          message: 'The payment link request conflicted with an earlier one; retry.',
        };
      }
      if (c.kind === 'network' || c.kind === 'server' || c.kind === 'rate_limited') {
        const r = retryable(c);
        return {
          status: 'retryable_failure',
          message: r.status === 'retryable_failure' ? r.message : 'Stripe is unavailable.',
          reason: c.kind === 'server' ? 'server_error' : c.kind,
          ...(c.kind === 'rate_limited' ? { retryAfterSeconds: c.retryAfterSeconds ?? 1 } : {}),
        };
      }
      if (StripeAdapterError.isInstance(e)) throw e;
      throw new StripeAdapterError(
        'stripe_request_failed',
        'Stripe refused to create the Checkout Session.',
        {
          ...(e instanceof Error && 'code' in e && typeof e.code === 'string' ? { stripeCode: e.code } : {}),
          cause: e,
        },
      );
    }
  }

  /** Reads the Checkout Session (never changes it): paid, expired, or still open. */
  async function retrievePaymentLink(linkId: string): Promise<PaymentLinkStatus> {
    try {
      const s = await call(() => stripe.checkout.sessions.retrieve(linkId));
      if (s.status === 'complete' && s.payment_status === 'paid') {
        const paymentId = idOf(s.payment_intent);
        if (paymentId) {
          return {
            status: 'paid',
            paymentId,
            amount: s.amount_total ?? 0,
            currency: s.currency ?? '',
          };
        }
      }
      if (s.status === 'expired') return { status: 'expired' };
      // Open, or complete with an asynchronous payment still unpaid: its outcome arrives later.
      return { status: 'open' };
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'invalid' && c.code === 'resource_missing') {
        // Never read as "expired": Stripe does not know the id under THIS key (another account, a restricted
        // key, a transient error) while the hosted page may still be paid. The link stays open.
        logger?.error?.('Stripe does not know a payment link (resource_missing): check the API key/account', {
          linkId,
        });
      }
      return { status: 'retryable_failure', message: 'Stripe could not be asked about the payment link.' };
    }
  }

  async function expirePaymentLink(linkId: string) {
    const completed = (s: Stripe.Checkout.Session) => ({
      status: 'completed' as const,
      paymentId: typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? ''),
      amount: s.amount_total ?? 0,
      currency: s.currency ?? '',
    });
    try {
      const s = await call(() => stripe.checkout.sessions.retrieve(linkId));
      if (s.status === 'complete' && s.payment_status === 'paid') return completed(s);
      if (s.status === 'expired') return { status: 'expired' as const };
      try {
        await call(() => stripe.checkout.sessions.expire(linkId));
        return { status: 'expired' as const };
      } catch (e) {
        if (classifyError(e).kind !== 'invalid') throw e;
        // Paid between our retrieve and expire: the payment wins.
        const again = await call(() => stripe.checkout.sessions.retrieve(linkId));
        if (again.status === 'complete' && again.payment_status === 'paid') return completed(again);
        return { status: 'expired' as const };
      }
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'invalid' && c.code === 'resource_missing') {
        // Not "expired" (see retrievePaymentLink): the hosted page may still be payable.
        logger?.error?.('Stripe does not know a payment link (resource_missing): check the API key/account', {
          linkId,
        });
      }
      return {
        status: 'retryable_failure' as const,
        message: 'Stripe could not close the payment link; retry.',
      };
    }
  }

  async function refund(req: RefundRequest): Promise<RefundResult> {
    try {
      const r = await call(() =>
        stripe.refunds.create(
          {
            payment_intent: req.paymentId,
            ...(req.amount !== undefined ? { amount: req.amount } : {}),
            ...(req.reason ? { reason: req.reason } : {}),
            metadata: { acp_order_id: req.orderId },
          },
          { idempotencyKey: req.idempotencyKey },
        ),
      );
      if (r.status === 'failed' || r.status === 'canceled') {
        return { status: 'failed', message: 'The refund failed at the payment provider.', retryable: false };
      }
      return {
        status: r.status === 'succeeded' ? 'succeeded' : 'pending',
        refundId: r.id,
        amount: r.amount,
        currency: r.currency,
      };
    } catch (e) {
      const c = classifyError(e);
      if (c.kind === 'invalid') {
        const message =
          c.code === 'charge_already_refunded'
            ? 'The payment has already been fully refunded.'
            : c.code === 'amount_too_large'
              ? 'The refund is larger than the amount left to refund.'
              : 'The payment provider refused the refund.';
        return { status: 'failed', message, retryable: false };
      }
      return {
        status: 'failed',
        message: 'The payment provider is unavailable; retry the refund.',
        retryable: true,
      };
    }
  }

  /**
   * Every refund of a PaymentIntent (`GET /v1/refunds?payment_intent=`), read once an order is placed so a
   * refund made before the order existed reaches its ledger. Statuses as the webhook translates them
   * (`requires_action` is still pending). One page of 100: a payment refunded more often is not a real case.
   */
  async function listRefunds(paymentId: string): Promise<PaymentRefund[]> {
    const page = await call(() => stripe.refunds.list({ payment_intent: paymentId, limit: 100 }));
    return page.data.map((r) => ({
      refundId: r.id,
      status:
        r.status === 'succeeded' || r.status === 'failed' || r.status === 'canceled' ? r.status : 'pending',
      amount: r.amount,
      currency: r.currency,
      ...(r.reason ? { reason: r.reason } : {}),
    }));
  }

  const gateway: StripeGateway = {
    version: 1,
    stripe,
    charge,
    reconcile,
    refund,
    listRefunds,
    validateCredential,
    cancelPayment,
    ...(options.paymentLinks ? { createPaymentLink, retrievePaymentLink, expirePaymentLink } : {}),
  };
  return gateway;
}
