// The API objects as Stripe renders them (one shape, endive-era fields), from the model's records.
import type { TestCard } from './cards.js';
import {
  type ChargeRec,
  type CheckoutSessionRec,
  type EmulatorState,
  type GrantedTokenRec,
  type Json,
  type PaymentIntentRec,
  type PaymentMethodRec,
  type RefundRec,
  unrefunded,
} from './state.js';

export const last4 = (card: TestCard): string => card.number.slice(-4);

function pmCardJson(pm: PaymentMethodRec): Json {
  return {
    brand: pm.card.brand,
    display_brand: pm.card.brand,
    last4: last4(pm.card),
    exp_month: pm.expMonth,
    exp_year: pm.expYear,
    funding: pm.card.funding,
    country: 'US',
    fingerprint: `fp_${last4(pm.card)}${pm.card.brand}`,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
    networks: { available: [pm.card.brand], preferred: null },
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

const NO_BILLING_DETAILS = () => ({
  address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
  email: null,
  name: null,
  phone: null,
});

export function renderPm(pm: PaymentMethodRec): Json {
  return {
    id: pm.id,
    object: 'payment_method',
    type: 'card',
    card: pmCardJson(pm),
    billing_details: NO_BILLING_DETAILS(),
    created: pm.created,
    customer: null,
    livemode: false,
    metadata: {},
    shared_payment_granted_token: pm.sptId,
  };
}

export function renderToken(st: EmulatorState, t: GrantedTokenRec): Json {
  const pm = st.paymentMethods.get(t.paymentMethodId);
  return {
    id: t.id,
    object: 'shared_payment.granted_token',
    created: t.created,
    deactivated_at: t.deactivatedAt,
    deactivated_reason: t.deactivatedReason,
    livemode: false,
    agent_details: { network_business_profile: 'profile_test_emulator' },
    payment_method_details: pm
      ? { type: 'card', card: pmCardJson(pm), billing_details: NO_BILLING_DETAILS() }
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

function chargeOutcome(c: ChargeRec): Json {
  if (c.blocked) {
    return {
      network_status: 'not_sent_to_network',
      reason: 'highest_risk_level',
      risk_level: 'highest',
      risk_score: 95,
      seller_message: 'Stripe blocked this payment as too risky.',
      type: 'blocked',
    };
  }
  if (c.status === 'succeeded') {
    return {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  return {
    network_status: 'declined_by_network',
    reason: c.failure?.declineCode ?? c.failure?.code ?? null,
    risk_level: 'normal',
    risk_score: 20,
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
}

export function renderCharge(st: EmulatorState, c: ChargeRec): Json {
  const pm = st.paymentMethods.get(c.paymentMethodId);
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
    outcome: chargeOutcome(c),
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
    refunded: c.status === 'succeeded' && unrefunded(c) <= 0,
    status: c.status,
  };
}

export function renderPi(st: EmulatorState, pi: PaymentIntentRec, expand: readonly string[] = []): Json {
  const charge = pi.latestChargeId ? st.charges.get(pi.latestChargeId) : undefined;
  const pm = pi.paymentMethodId ? st.paymentMethods.get(pi.paymentMethodId) : undefined;
  const base = `${st.publicUrl}/3ds/${pi.id}`;
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
    latest_charge: charge ? (expand.includes('latest_charge') ? renderCharge(st, charge) : charge.id) : null,
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

export function renderSession(
  st: EmulatorState,
  s: CheckoutSessionRec,
  expand: readonly string[] = [],
): Json {
  const pi = s.paymentIntentId ? st.intents.get(s.paymentIntentId) : undefined;
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
    payment_intent: pi ? (expand.includes('payment_intent') ? renderPi(st, pi) : pi.id) : null,
    payment_status: s.paymentStatus,
    shipping_cost: s.shipping
      ? { amount_total: s.shipping.amount, amount_subtotal: s.shipping.amount, amount_tax: 0 }
      : null,
    status: s.status,
    success_url: s.successUrl,
    total_details: { amount_discount: 0, amount_shipping: s.shipping?.amount ?? 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: s.status === 'open' ? `${st.publicUrl}/c/pay/${s.id}` : null,
  };
}

export function renderRefund(r: RefundRec): Json {
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

/** A list page (items newest first; no cursors beyond the PaymentIntent list's `starting_after`). */
export function renderList<T>(url: string, found: readonly T[], limit: number, render: (x: T) => Json): Json {
  return {
    object: 'list',
    url,
    has_more: found.length > limit,
    data: found.slice(0, limit).map(render),
  };
}
