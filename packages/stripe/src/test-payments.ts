// Test-only payment tokens, for MCP clients that have no payment UI (the seed's `collect_payment_info`):
// a Stripe test PaymentMethod (`pm_card_*`, preferred) or, only when explicitly enabled, a raw TEST card
// number becomes a Shared Payment Token through Stripe's test helper, with usage limits bound to the
// checkout (currency, max_amount = total, expiry <= 30 min). The token then goes through the normal SPT
// charge path. Live keys make all of this impossible: construction throws, whatever the configuration.
// Card data is never stored, logged or echoed: not in results, errors or validation messages.
import type Stripe from 'stripe';
import { StripeAdapterError } from './errors.js';
import { DEFAULT_SPT_API_VERSION } from './gateway.js';
import { declineMessage } from './outcomes.js';
import { createTestGrantedToken, revokeTestGrantedToken } from './spt.js';

/** The longest a test token lives (seconds). */
export const MAX_TEST_TOKEN_SECONDS = 30 * 60;

export interface StripeTestPaymentsOptions {
  stripe: Stripe;
  /** The secret key the `stripe` client was built with: only `sk_test_…` / `rk_test_…` are accepted. */
  secretKey: string;
  /** Accept raw test card numbers (creates a PaymentMethod first). Default false. */
  allowRawCards?: boolean;
  sptApiVersion?: string;
  /** Token lifetime in seconds, at most 30 min (default 30 min). */
  tokenLifetimeSeconds?: number;
  now?: () => number;
}

export interface TestTokenRequest {
  /** Session total in minor units: the token's `max_amount`. */
  amount: number;
  /** Session currency: the token's `usage_limits.currency`. */
  currency: string;
  /** Shorter lifetime than the configured one, if wanted. */
  expiresInSeconds?: number;
}

export interface TestToken {
  shared_payment_token: string;
  /** Unix seconds. */
  expires_at: number;
  max_amount: number;
  currency: string;
  /** Brand and last 4 digits at most. */
  card?: { brand?: string; last4?: string };
}

export interface RawTestCard {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string;
}

export interface StripeTestPayments {
  /** `pm_card_visa` (or any `pm_…` test PaymentMethod) → a test SPT limited to this checkout. */
  tokenFromPaymentMethod(paymentMethod: string, request: TestTokenRequest): Promise<TestToken>;
  /** A raw TEST card number → PaymentMethod → test SPT. Only with `allowRawCards: true`. */
  tokenFromCard(card: RawTestCard, request: TestTokenRequest): Promise<TestToken>;
  revokeToken(token: string): Promise<void>;
  readonly rawCardsEnabled: boolean;
}

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const LIVE_KEY = /^(sk|rk)_live_/;

/** Throws unless `key` is a Stripe test secret/restricted key. */
export function assertTestKey(key: string): void {
  if (typeof key !== 'string' || LIVE_KEY.test(key)) {
    throw new StripeAdapterError(
      'live_mode_forbidden',
      'Test payment helpers are disabled with live Stripe keys (sk_live_/rk_live_). Agents must send Shared Payment Tokens.',
    );
  }
  if (!TEST_KEY.test(key)) {
    throw new StripeAdapterError(
      'live_mode_forbidden',
      'Test payment helpers need a Stripe test key (sk_test_… or rk_test_…).',
      { param: 'secretKey' },
    );
  }
}

const invalid = (param: string, message: string) =>
  new StripeAdapterError('invalid_argument', message, { param });

function checkRequest(r: TestTokenRequest): void {
  if (!Number.isInteger(r.amount) || r.amount <= 0)
    throw invalid('amount', 'amount must be a positive integer in minor units.');
  if (typeof r.currency !== 'string' || !/^[A-Za-z]{3}$/.test(r.currency)) {
    throw invalid('currency', 'currency must be an ISO 4217 code such as "usd".');
  }
  if (
    r.expiresInSeconds !== undefined &&
    (!Number.isInteger(r.expiresInSeconds) || r.expiresInSeconds < 60)
  ) {
    throw invalid('expiresInSeconds', 'expiresInSeconds must be an integer of at least 60.');
  }
}

export function createStripeTestPayments(options: StripeTestPaymentsOptions): StripeTestPayments {
  assertTestKey(options.secretKey);
  const { stripe } = options;
  const version = options.sptApiVersion ?? DEFAULT_SPT_API_VERSION;
  const now = options.now ?? Date.now;
  const lifetime = Math.min(options.tokenLifetimeSeconds ?? MAX_TEST_TOKEN_SECONDS, MAX_TEST_TOKEN_SECONDS);
  const rawCardsEnabled = options.allowRawCards === true;

  async function grant(paymentMethod: string, r: TestTokenRequest): Promise<TestToken> {
    const seconds = Math.min(r.expiresInSeconds ?? lifetime, lifetime);
    const expiresAt = Math.floor(now() / 1000) + seconds;
    const currency = r.currency.toLowerCase();
    let token: Awaited<ReturnType<typeof createTestGrantedToken>>;
    try {
      token = await createTestGrantedToken(
        stripe,
        { paymentMethod, currency, maxAmount: r.amount, expiresAt },
        version,
      );
    } catch (e) {
      const code =
        typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
      if (code === 'resource_missing')
        throw invalid('paymentMethod', 'Unknown test PaymentMethod. Use one such as pm_card_visa.');
      throw new StripeAdapterError(
        'stripe_request_failed',
        'Stripe could not create the test payment token.',
        {
          ...(code ? { stripeCode: code } : {}),
          retryable: code === undefined,
        },
      );
    }
    if (token.livemode) {
      // Defense in depth: the key check should make this impossible.
      throw new StripeAdapterError(
        'live_mode_forbidden',
        'Stripe answered in live mode; test tokens are refused.',
      );
    }
    return {
      shared_payment_token: token.id,
      expires_at: token.usageLimits?.expiresAt ?? expiresAt,
      max_amount: token.usageLimits?.maxAmount ?? r.amount,
      currency: token.usageLimits?.currency || currency,
      ...(token.card ? { card: token.card } : {}),
    };
  }

  return {
    rawCardsEnabled,

    async tokenFromPaymentMethod(paymentMethod, request) {
      if (typeof paymentMethod !== 'string' || !/^pm_[A-Za-z0-9_]{1,100}$/.test(paymentMethod)) {
        throw invalid(
          'paymentMethod',
          'paymentMethod must be a Stripe test PaymentMethod id such as pm_card_visa.',
        );
      }
      checkRequest(request);
      return grant(paymentMethod, request);
    },

    async tokenFromCard(card, request) {
      if (!rawCardsEnabled) {
        throw new StripeAdapterError(
          'raw_cards_disabled',
          'Raw card numbers are disabled. Use a Stripe test PaymentMethod such as pm_card_visa.',
        );
      }
      checkRequest(request);
      const number = typeof card?.number === 'string' ? card.number.replace(/[\s-]/g, '') : '';
      if (!/^\d{12,19}$/.test(number)) throw invalid('card.number', 'card.number must be 12 to 19 digits.');
      if (!Number.isInteger(card.exp_month) || card.exp_month < 1 || card.exp_month > 12) {
        throw invalid('card.exp_month', 'card.exp_month must be 1 to 12.');
      }
      if (!Number.isInteger(card.exp_year) || card.exp_year < 2000 || card.exp_year > 2100) {
        throw invalid('card.exp_year', 'card.exp_year must be a four-digit year.');
      }
      if (card.cvc !== undefined && !/^\d{3,4}$/.test(card.cvc))
        throw invalid('card.cvc', 'card.cvc must be 3 or 4 digits.');
      let pm: Stripe.PaymentMethod;
      try {
        pm = await stripe.paymentMethods.create({
          type: 'card',
          card: {
            number,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            ...(card.cvc ? { cvc: card.cvc } : {}),
          },
        });
      } catch (e) {
        // Never pass Stripe's error (or its request) along: report the code and a safe message only.
        const code =
          typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
            ? e.code
            : undefined;
        const type = typeof e === 'object' && e !== null && 'rawType' in e ? e.rawType : undefined;
        if (type === 'card_error') {
          throw new StripeAdapterError(
            'card_rejected',
            declineMessage(code, undefined),
            code ? { stripeCode: code } : {},
          );
        }
        throw new StripeAdapterError(
          'stripe_request_failed',
          'Stripe refused the card data (raw card data APIs may be disabled for this account; prefer pm_card_* test PaymentMethods).',
          code ? { stripeCode: code } : {},
        );
      }
      return grant(pm.id, request);
    },

    async revokeToken(token) {
      await revokeTestGrantedToken(stripe, token, version);
    },
  };
}
