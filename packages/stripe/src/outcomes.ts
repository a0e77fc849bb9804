// One table from Stripe objects to core's results: a PaymentIntent to a ChargeResult (with buyer-safe
// messages), a paid Checkout Session to its payment, a Refund to a PaymentRefund. What Stripe THROWS maps in
// `errors.ts`. Messages never contain card data, and the sensitive declines (lost/stolen card, fraud, Radar
// blocks) read as a generic decline ("Don't report more detailed information to your customer":
// https://docs.stripe.com/declines/codes).
import type { AuthenticationMetadata, ChargeResult, PaymentRefund } from '@acp/core';
import type Stripe from 'stripe';

/** The id of an expandable field (an id string or the expanded object). */
export const idOf = (v: string | { id: string } | null | undefined): string | undefined =>
  typeof v === 'string' ? v : v?.id;

/** Whether `value` is shaped like a PaymentIntent id (safe in a URL path, and worth asking Stripe about). */
export const isPaymentIntentId = (value: string): boolean => /^pi_[A-Za-z0-9_]+$/.test(value);

const GENERIC = 'The card was declined. Please use a different payment method.';

/** Buyer-facing copy per decline code / Stripe error code. Unknown codes get the generic decline. */
export const DECLINE_MESSAGES: Readonly<Record<string, string>> = {
  generic_decline: GENERIC,
  card_declined: GENERIC,
  insufficient_funds: 'The card has insufficient funds. Please use a different payment method.',
  card_velocity_exceeded:
    'The card was declined because it exceeded its spending or attempt limit. Please use a different payment method.',
  expired_card: 'The card has expired. Please use a different card.',
  incorrect_cvc:
    "The card's security code (CVC) is incorrect. Check the card details or use a different card.",
  invalid_cvc: "The card's security code (CVC) is invalid. Check the card details or use a different card.",
  incorrect_number: 'The card number is incorrect. Check the card details or use a different card.',
  invalid_expiry_month: "The card's expiration month is invalid.",
  invalid_expiry_year: "The card's expiration year is invalid.",
  processing_error:
    'An error occurred while processing the card. Please try again, or use a different payment method.',
  authentication_required:
    'The card issuer requires authentication for this payment. Please try again with authentication or use a different card.',
  payment_intent_authentication_failure:
    '3D Secure authentication failed. Please try again or use a different payment method.',
  do_not_honor: GENERIC,
  // Sensitive: never reveal more than a generic decline.
  lost_card: GENERIC,
  stolen_card: GENERIC,
  fraudulent: GENERIC,
  merchant_blacklist: GENERIC,
  pickup_card: GENERIC,
  restricted_card: GENERIC,
  security_violation: GENERIC,
};

const SENSITIVE = new Set([
  'lost_card',
  'stolen_card',
  'fraudulent',
  'merchant_blacklist',
  'pickup_card',
  'restricted_card',
  'security_violation',
]);

export function declineMessage(
  code: string | undefined,
  declineCode: string | undefined,
  blocked = false,
): string {
  if (blocked || (declineCode && SENSITIVE.has(declineCode))) return GENERIC;
  return (declineCode && DECLINE_MESSAGES[declineCode]) || (code && DECLINE_MESSAGES[code]) || GENERIC;
}

export type TokenProblem =
  | 'not_found'
  | 'expired'
  | 'consumed'
  | 'revoked'
  | 'deactivated'
  | 'currency'
  | 'amount'
  | 'livemode';

export const TOKEN_MESSAGES: Readonly<Record<TokenProblem, string>> = {
  not_found:
    'The payment token was not recognised. Ask the buyer to authorise the payment again to get a new token.',
  expired: 'The payment token has expired. Ask the buyer to authorise the payment again to get a new token.',
  consumed:
    'The payment token has already been used. Ask the buyer to authorise the payment again to get a new token.',
  revoked: 'The payment token was revoked. Ask the buyer to authorise the payment again to get a new token.',
  deactivated:
    'The payment token can no longer be used. Ask the buyer to authorise the payment again to get a new token.',
  currency:
    "The payment token is limited to a different currency than this checkout's. Request a token for the checkout's currency.",
  amount:
    "The payment token's maximum amount is lower than the checkout total. Request a token for at least the total.",
  livemode: 'The payment token belongs to a different Stripe mode (test/live) than this store.',
};

export function tokenUnusable(problem: TokenProblem, paymentId?: string): ChargeResult {
  return {
    status: 'declined',
    code: 'token_unusable',
    declineCode: problem,
    message: TOKEN_MESSAGES[problem],
    ...(paymentId ? { paymentId } : {}),
  };
}

// ------------------------------------------------------------------------------------------ PaymentIntent

export interface AuthenticationSettings {
  acquirerBin: string;
  acquirerCountry: string;
  acquirerMerchantId: string;
  merchantName: string;
  requestorId?: string;
  flowPreference?: AuthenticationMetadata['flow_preference'];
}

const DIRECTORY_SERVERS: Readonly<Record<string, AuthenticationMetadata['directory_server']>> = {
  visa: 'visa',
  mastercard: 'mastercard',
  amex: 'american_express',
  american_express: 'american_express',
};

/**
 * The 3DS directory server of a card brand, or undefined: ACP names only Visa, Mastercard and American
 * Express, and any other brand (or an unknown one) has no directory server an agent could use.
 */
export function directoryServerOf(
  brand: string | undefined,
): AuthenticationMetadata['directory_server'] | undefined {
  return brand ? DIRECTORY_SERVERS[brand.toLowerCase()] : undefined;
}

/** The payment needs 3DS that cannot be done here (agent without 3DS, no acquirer data, brand without DS). */
export function authenticationUnavailable(paymentId?: string): ChargeResult {
  return {
    status: 'declined',
    code: 'authentication_required',
    declineCode: 'authentication_required',
    message: DECLINE_MESSAGES.authentication_required!,
    ...(paymentId ? { paymentId } : {}),
  };
}

export function cardOf(pi: Stripe.PaymentIntent): { brand?: string; last4?: string } | undefined {
  const pm = typeof pi.payment_method === 'object' && pi.payment_method ? pi.payment_method.card : undefined;
  const charge =
    typeof pi.latest_charge === 'object' && pi.latest_charge
      ? pi.latest_charge.payment_method_details?.card
      : undefined;
  const source = pm ?? charge;
  if (!source) return undefined;
  return {
    ...(source.brand ? { brand: source.brand } : {}),
    ...(source.last4 ? { last4: source.last4 } : {}),
  };
}

/** Radar blocked the PaymentIntent's latest charge (its decline then reads as a generic one). */
export function blockedByRadar(pi: Stripe.PaymentIntent | undefined): boolean {
  const charge =
    pi && typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
  return charge?.outcome?.type === 'blocked';
}

/**
 * Maps a PaymentIntent (from create, confirm, retrieve or search) to a ChargeResult. Without acquirer
 * settings (3DS not offered) or for a brand without a directory server, `requires_action` cannot become
 * ACP `authentication_metadata`: it maps to a decline `authentication_required` (the caller cancels the PI).
 */
export function fromPaymentIntent(
  pi: Stripe.PaymentIntent,
  auth: AuthenticationSettings | undefined,
): ChargeResult {
  switch (pi.status) {
    case 'succeeded': {
      const card = cardOf(pi);
      return {
        status: 'succeeded',
        paymentId: pi.id,
        amount: pi.amount_received || pi.amount,
        currency: pi.currency,
        ...(card ? { card } : {}),
      };
    }
    case 'requires_action': {
      const directoryServer = directoryServerOf(cardOf(pi)?.brand);
      if (!auth || !directoryServer) return authenticationUnavailable(pi.id);
      return {
        status: 'requires_action',
        paymentId: pi.id,
        authenticationMetadata: {
          acquirer_details: {
            acquirer_bin: auth.acquirerBin,
            acquirer_country: auth.acquirerCountry,
            acquirer_merchant_id: auth.acquirerMerchantId,
            merchant_name: auth.merchantName,
            ...(auth.requestorId ? { requestor_id: auth.requestorId } : {}),
          },
          directory_server: directoryServer,
          flow_preference: auth.flowPreference ?? { type: 'challenge', challenge: { type: 'preferred' } },
        },
      };
    }
    case 'requires_payment_method': {
      const err = pi.last_payment_error;
      const code = err?.code ?? 'card_declined';
      const declineCode = err?.decline_code ?? undefined;
      return {
        status: 'declined',
        code,
        ...(declineCode ? { declineCode } : {}),
        message: declineMessage(code, declineCode, blockedByRadar(pi)),
        paymentId: pi.id,
      };
    }
    case 'canceled':
      return {
        status: 'declined',
        code: 'payment_canceled',
        message: 'The payment was canceled. Please try again.',
        paymentId: pi.id,
      };
    default:
      // processing, requires_confirmation, requires_capture: not final; look again later.
      return {
        status: 'retryable_failure',
        reason: 'unknown',
        message: `The payment is ${pi.status.replace(/_/g, ' ')}; its outcome is not final yet.`,
        paymentId: pi.id,
      };
  }
}

// ------------------------------------------------------------------------------------------ Checkout Session

/** A Checkout Session whose payment went through (complete and paid). */
export const isPaidLink = (s: Stripe.Checkout.Session): boolean =>
  s.status === 'complete' && s.payment_status === 'paid';

/** The payment a Checkout Session (one of our payment links) reports: its PaymentIntent and total. */
export function linkPaymentOf(s: Stripe.Checkout.Session): {
  paymentId: string | undefined;
  amount: number;
  currency: string;
} {
  return { paymentId: idOf(s.payment_intent), amount: s.amount_total ?? 0, currency: s.currency ?? '' };
}

// ------------------------------------------------------------------------------------------ Refund

/** A Stripe Refund as core's ledger reads it; `requires_action` (and anything unknown) is still pending. */
export function paymentRefundOf(r: Stripe.Refund): PaymentRefund {
  return {
    refundId: r.id,
    amount: r.amount,
    currency: r.currency,
    status:
      r.status === 'succeeded' || r.status === 'failed' || r.status === 'canceled' ? r.status : 'pending',
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
