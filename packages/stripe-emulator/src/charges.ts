// The charge rule: a PaymentIntent with a payment source is confirmed, its card's documented outcome
// (succeed, decline, Radar block, 3D Secure first) becomes a charge, and its events are sent. The API
// (create/confirm), the hosted Checkout page and the 3DS page all charge through here.
import { DECLINES, type Decline, type Outcome } from './cards.js';
import { ApiError, declineBody, invalid } from './errors.js';
import { bool, type FormObject, obj, str } from './form.js';
import { deactivateToken } from './lifecycle.js';
import { renderCharge, renderPi, renderPm, renderSession, renderToken } from './render.js';
import { attachSource, pmById } from './sources.js';
import {
  type ChargeRec,
  type CheckoutSessionRec,
  type EmulatorState,
  type Json,
  type PaymentIntentRec,
  randomHex,
} from './state.js';

/** A new PaymentIntent in `requires_payment_method`; sends `payment_intent.created`. */
export function newPaymentIntent(
  st: EmulatorState,
  init: Pick<PaymentIntentRec, 'amount' | 'currency' | 'metadata' | 'description' | 'receiptEmail'> &
    Partial<
      Pick<
        PaymentIntentRec,
        'returnUrl' | 'errorOnRequiresAction' | 'automaticPaymentMethods' | 'checkoutSessionId'
      >
    >,
): PaymentIntentRec {
  const id = st.id('pi');
  const pi: PaymentIntentRec = {
    id,
    status: 'requires_payment_method',
    created: st.nowS(),
    paymentMethodId: null,
    sptId: null,
    latestChargeId: null,
    lastError: null,
    returnUrl: null,
    errorOnRequiresAction: false,
    automaticPaymentMethods: null,
    canceledAt: null,
    cancellationReason: null,
    checkoutSessionId: null,
    ...init,
    clientSecret: `${id}_secret_${randomHex(12)}`,
  };
  st.intents.set(pi.id, pi);
  st.emit('payment_intent.created', renderPi(st, pi));
  return pi;
}

/** The 402 of a decline; also records it as the PaymentIntent's `last_payment_error`. */
function cardError(
  st: EmulatorState,
  pi: PaymentIntentRec,
  d: Decline,
  chargeId: string | null,
  expand: readonly string[],
): ApiError {
  const error = declineBody(d, chargeId);
  const pm = pi.paymentMethodId ? renderPm(st.paymentMethods.get(pi.paymentMethodId)!) : null;
  pi.lastError = { ...error, payment_method: pm };
  return new ApiError(
    402,
    { ...error, payment_intent: renderPi(st, pi, expand), ...(pm ? { payment_method: pm } : {}) },
    true,
  );
}

/** Runs a card outcome on a PaymentIntent that has a payment method. Returns the PI or throws a 402. */
export function runOutcome(
  st: EmulatorState,
  pi: PaymentIntentRec,
  outcome: Outcome,
  expand: readonly string[],
  authenticated: boolean,
): Json {
  const pm = st.paymentMethods.get(pi.paymentMethodId!)!;
  const newCharge = (status: ChargeRec['status'], failure?: Decline, blocked = false): ChargeRec => {
    const c: ChargeRec = {
      id: st.id('ch'),
      paymentIntentId: pi.id,
      paymentMethodId: pm.id,
      amount: pi.amount,
      currency: pi.currency,
      status,
      amountRefunded: 0,
      blocked,
      created: st.nowS(),
      metadata: pi.metadata,
      authenticated,
      ...(failure ? { failure } : {}),
    };
    st.charges.set(c.id, c);
    pi.latestChargeId = c.id;
    return c;
  };
  switch (outcome.kind) {
    case 'succeed': {
      const c = newCharge('succeeded');
      pi.status = 'succeeded';
      pi.lastError = null;
      if (pi.sptId) {
        const t = st.tokens.get(pi.sptId);
        if (t) {
          t.captured += pi.amount;
          st.emit('shared_payment.granted_token.used', renderToken(st, t));
          // One-time allowance: a captured token is consumed.
          deactivateToken(st, t, 'consumed');
        }
      }
      st.emit('charge.succeeded', renderCharge(st, c));
      st.emit('payment_intent.succeeded', renderPi(st, pi));
      return renderPi(st, pi, expand);
    }
    case 'decline':
    case 'block': {
      const d = outcome.kind === 'decline' ? outcome.decline : DECLINES.fraudulent;
      const c = newCharge('failed', d, outcome.kind === 'block');
      pi.status = 'requires_payment_method';
      const err = cardError(st, pi, d, c.id, expand);
      st.emit('charge.failed', renderCharge(st, c));
      st.emit('payment_intent.payment_failed', renderPi(st, pi));
      throw err;
    }
    case 'authenticate': {
      if (authenticated) return runOutcome(st, pi, outcome.then, expand, true);
      if (pi.errorOnRequiresAction) {
        // "Set to true to fail the payment attempt if the PaymentIntent transitions into requires_action"
        // (https://docs.stripe.com/api/payment_intents/create#create_payment_intent-error_on_requires_action):
        // a card error `authentication_required` (https://docs.stripe.com/error-codes), PI back to
        // requires_payment_method, never requires_action.
        pi.status = 'requires_payment_method';
        const err = cardError(
          st,
          pi,
          {
            code: 'authentication_required',
            declineCode: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          },
          null,
          expand,
        );
        st.emit('payment_intent.payment_failed', renderPi(st, pi));
        throw err;
      }
      requireAction(st, pi);
      return renderPi(st, pi, expand);
    }
  }
}

/** The PaymentIntent waits for 3D Secure (https://docs.stripe.com/payments/3d-secure). */
function requireAction(st: EmulatorState, pi: PaymentIntentRec): void {
  pi.status = 'requires_action';
  st.emit('payment_intent.requires_action', renderPi(st, pi));
}

/** A PaymentIntent in `requires_action` was authenticated: its card's outcome runs, as authenticated. */
export function completeAuthentication(
  st: EmulatorState,
  pi: PaymentIntentRec,
  expand: readonly string[],
): Json {
  const pm = st.paymentMethods.get(pi.paymentMethodId!)!;
  return runOutcome(st, pi, pm.card.outcome, expand, true);
}

/** 3D Secure failed: the PaymentIntent needs a new payment method; 400 `payment_intent_authentication_failure`. */
export function authenticationFailed(
  st: EmulatorState,
  pi: PaymentIntentRec,
  expand: readonly string[],
): ApiError {
  pi.status = 'requires_payment_method';
  const err = cardError(
    st,
    pi,
    {
      code: 'payment_intent_authentication_failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    },
    null,
    expand,
  );
  st.emit('payment_intent.payment_failed', renderPi(st, pi));
  return new ApiError(400, { ...err.body, type: 'invalid_request_error' }, true);
}

/**
 * Emulator reading of an imported 3DS result (`payment_method_options[card][three_d_secure]`):
 * `ares_trans_status` Y, A, I (or absent) count as authenticated; N, R, U fail authentication.
 */
const aresAuthenticates = (tds: FormObject | undefined) =>
  ['Y', 'A', 'I'].includes(str(tds, 'ares_trans_status') ?? 'Y');

export function confirm(
  st: EmulatorState,
  pi: PaymentIntentRec,
  p: FormObject,
  expand: readonly string[],
): Json {
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
      if (!tds) return renderPi(st, pi, expand); // still waiting for authentication
      if (!str(tds, 'cryptogram')) {
        throw invalid(
          'Missing required param: payment_method_options[card][three_d_secure][cryptogram].',
          'payment_method_options[card][three_d_secure][cryptogram]',
          'parameter_missing',
        );
      }
      if (!aresAuthenticates(tds)) throw authenticationFailed(st, pi, expand);
      return completeAuthentication(st, pi, expand);
    }
  }
  attachSource(st, pi, p);
  if (!pi.paymentMethodId) {
    throw invalid(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method or ConfirmationToken.",
      'payment_method',
      'payment_intent_unexpected_state',
      true,
    );
  }
  const pm = st.paymentMethods.get(pi.paymentMethodId)!;
  const importedAuth = tds !== undefined && aresAuthenticates(tds) && str(tds, 'cryptogram') !== undefined;
  return runOutcome(st, pi, pm.card.outcome, expand, importedAuth);
}

/**
 * The hosted Checkout page pays its session with a test PaymentMethod. A 3DS card first gets the challenge
 * (`step: 'pay'`), then pays once authenticated (`step: 'authenticated'`). A decline leaves the session open.
 */
export function payCheckout(
  st: EmulatorState,
  s: CheckoutSessionRec,
  pmId: string,
  step: 'pay' | 'authenticated' = 'pay',
): { ok: true } | { ok: false; message: string } | { challenge: PaymentIntentRec } {
  let pi = s.paymentIntentId ? st.intents.get(s.paymentIntentId) : undefined;
  if (!pi) {
    pi = newPaymentIntent(st, {
      amount: s.amountTotal,
      currency: s.currency,
      metadata: s.piMetadata,
      description: s.piDescription,
      receiptEmail: s.customerEmail,
      checkoutSessionId: s.id,
    });
    s.paymentIntentId = pi.id;
  }
  const pm = pmById(st, pmId, 'payment_method');
  pi.paymentMethodId = pm.id;
  if (pm.card.outcome.kind === 'authenticate' && step === 'pay') {
    // Checkout shows the issuer's 3D Secure challenge in the page before paying
    // (https://docs.stripe.com/payments/3d-secure; test cards: https://docs.stripe.com/testing#regulatory-cards).
    requireAction(st, pi);
    return { challenge: pi };
  }
  try {
    runOutcome(st, pi, pm.card.outcome, [], step === 'authenticated');
  } catch (e) {
    if (e instanceof ApiError)
      return { ok: false, message: String(e.body.message ?? 'Your card was declined.') };
    throw e;
  }
  s.status = 'complete';
  s.paymentStatus = 'paid';
  st.emit('checkout.session.completed', renderSession(st, s));
  return { ok: true };
}
