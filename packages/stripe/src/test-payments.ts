// Test-only payment tokens, for MCP clients that have no payment UI (the seed's `collect_payment_info`):
// a Stripe test PaymentMethod (`pm_card_*`, preferred) or, only when explicitly enabled, a raw TEST card
// number becomes a Shared Payment Token through Stripe's test helper, with usage limits bound to the
// checkout (currency, max_amount = total, expiry <= 30 min). The token then goes through the normal SPT
// charge path. Live keys make all of this impossible, whatever the configuration: the mode is read from the
// `stripe` client itself (the key its authenticator sends), never from a string passed beside it, and the
// account's `livemode` is checked with Stripe (GET /v1/balance) before the first test-only request. Raw
// card numbers are stricter: they need a client whose key can be read and is a test key, and the account is
// checked again before every PaymentMethod create (a key that changes behind the client is caught).
// Card data is never stored, logged or echoed: not in results, errors or validation messages.
import type Stripe from 'stripe';
import { StripeAdapterError, stripeCodeOf } from './errors.js';
import { declineMessage } from './outcomes.js';
import { createTestGrantedToken, DEFAULT_SPT_API_VERSION, revokeTestGrantedToken } from './spt.js';

/** The longest a test token lives (seconds). */
export const MAX_TEST_TOKEN_SECONDS = 30 * 60;

export interface StripeTestPaymentsOptions {
  stripe: Stripe;
  /**
   * Optional, for a clear error at construction: the secret key the `stripe` client was built with. It must
   * be a test key (`sk_test_…` / `rk_test_…`) and match the client's own key. The mode is always derived
   * from the client, whatever this says.
   */
  secretKey?: string;
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
  /**
   * A raw TEST card number → PaymentMethod → test SPT. Only with `allowRawCards: true`, a client whose key is
   * readable and a test key (`clientKeyMode(stripe) === 'test'`; otherwise `live_mode_forbidden`), and an
   * account Stripe reports in test mode, asked again before every PaymentMethod create.
   */
  tokenFromCard(card: RawTestCard, request: TestTokenRequest): Promise<TestToken>;
  revokeToken(token: string): Promise<void>;
  /**
   * Asks Stripe whether the account behind the client is in test mode (`livemode` of GET /v1/balance) and
   * throws `live_mode_forbidden` if not. Every helper runs it (once) before its first test-only request,
   * and `tokenFromCard` asks Stripe again before every PaymentMethod create; call it at start-up to fail
   * early. A failed check (network) throws `stripe_request_failed` and is
   * retried on the next call; a live answer is final.
   */
  assertTestMode(): Promise<void>;
  readonly rawCardsEnabled: boolean;
}

export type StripeKeyMode = 'test' | 'live' | 'unknown';

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const LIVE_KEY = /^(sk|rk)_live_/;

/** The mode of a Stripe secret or restricted key string. */
export function keyMode(key: unknown): StripeKeyMode {
  if (typeof key !== 'string') return 'unknown';
  if (LIVE_KEY.test(key)) return 'live';
  if (TEST_KEY.test(key)) return 'test';
  return 'unknown';
}

/**
 * The mode of the key a stripe-node client actually sends. stripe-node 23 keeps the key inside its request
 * authenticator (`_authenticator`, set from `new Stripe(key)`): a function that writes
 * `Authorization: Bearer <key>` on a request. It is run on a probe request (nothing is sent) and the header
 * read back. A custom `authenticator` that sets the header asynchronously, or a client without one, is
 * `unknown`: only the account check (`assertTestMode`) can then tell, and it always runs first.
 */
export function clientKeyMode(stripe: Stripe): StripeKeyMode {
  const key = clientKeyOf(stripe);
  return key ? keyMode(key) : 'unknown';
}

/** Throws `live_mode_forbidden` when the client sends a live key (or `secretKey` is not a matching test key). */
export function assertTestClient(stripe: Stripe, secretKey?: string): void {
  const mode = clientKeyMode(stripe);
  if (mode === 'live') {
    throw new StripeAdapterError(
      'live_mode_forbidden',
      'Test payment helpers are disabled: the stripe client uses a live key (sk_live_/rk_live_). Agents must send Shared Payment Tokens.',
      { param: 'stripe' },
    );
  }
  if (secretKey !== undefined) {
    assertTestKey(secretKey);
    if (mode === 'test' && clientKeyOf(stripe) !== secretKey) {
      throw new StripeAdapterError(
        'live_mode_forbidden',
        'secretKey is not the key the stripe client was built with; test payment helpers follow the client.',
        { param: 'secretKey' },
      );
    }
  }
}

function clientKeyOf(stripe: Stripe): string | undefined {
  const authenticator = (stripe as unknown as { _authenticator?: unknown })._authenticator;
  if (typeof authenticator !== 'function') return undefined;
  const probe = {
    host: 'api.stripe.com',
    port: '443',
    path: '/v1/balance',
    method: 'GET',
    headers: {} as Record<string, string>,
    body: '',
    protocol: 'https',
  };
  try {
    const pending: unknown = authenticator(probe);
    if (pending instanceof Promise) pending.catch(() => undefined);
  } catch {
    return undefined;
  }
  const header = probe.headers.Authorization ?? probe.headers.authorization;
  return typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/** Throws unless `key` is a Stripe test secret/restricted key. */
export function assertTestKey(key: string): void {
  const mode = keyMode(key);
  if (typeof key !== 'string' || mode === 'live') {
    throw new StripeAdapterError(
      'live_mode_forbidden',
      'Test payment helpers are disabled with live Stripe keys (sk_live_/rk_live_). Agents must send Shared Payment Tokens.',
    );
  }
  if (mode !== 'test') {
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
  const { stripe } = options;
  assertTestClient(stripe, options.secretKey);
  const version = options.sptApiVersion ?? DEFAULT_SPT_API_VERSION;
  const now = options.now ?? Date.now;
  const lifetime = Math.min(options.tokenLifetimeSeconds ?? MAX_TEST_TOKEN_SECONDS, MAX_TEST_TOKEN_SECONDS);
  const rawCardsEnabled = options.allowRawCards === true;

  let verified: Promise<void> | undefined;
  let live = false;
  /** Asks Stripe now whether the account is in test mode (GET /v1/balance); a live answer is final. */
  async function checkAccount(): Promise<void> {
    let livemode: unknown;
    try {
      livemode = (await stripe.balance.retrieve()).livemode;
    } catch (e) {
      const code = stripeCodeOf(e);
      throw new StripeAdapterError(
        'stripe_request_failed',
        'Could not confirm with Stripe that the account is in test mode; test payment helpers stay disabled.',
        { ...(code ? { stripeCode: code } : {}), retryable: true },
      );
    }
    if (livemode !== false) {
      live = true;
      throw new StripeAdapterError(
        'live_mode_forbidden',
        'Test payment helpers are disabled: Stripe reports the account in live mode (livemode is not false).',
      );
    }
  }

  const liveModeError = () =>
    new StripeAdapterError(
      'live_mode_forbidden',
      'Test payment helpers are disabled: the Stripe account is in live mode.',
    );

  /** A live client key, or any live answer before, is final: the error every helper refuses with. */
  function liveRefusal(mode: StripeKeyMode): StripeAdapterError | undefined {
    if (!live && mode !== 'live') return undefined;
    live = true;
    return liveModeError();
  }

  /** Client key mode, then the account's livemode (once; a failed lookup is retried next time). */
  function assertTestMode(): Promise<void> {
    const refused = liveRefusal(clientKeyMode(stripe));
    if (refused) return Promise.reject(refused);
    verified ??= checkAccount();
    const current = verified;
    current.catch(() => {
      if (verified === current && !live) verified = undefined;
    });
    return current;
  }

  /** Raw cards need a client whose key can be read and is a test key (a custom authenticator hides it). */
  function assertRawCardClient(): void {
    const mode = clientKeyMode(stripe);
    const refused = liveRefusal(mode);
    if (refused) throw refused;
    if (mode !== 'test') {
      throw new StripeAdapterError(
        'live_mode_forbidden',
        'Raw card numbers need a stripe client built with a readable test key (new Stripe("sk_test_…")); this client\'s key cannot be read (custom authenticator), so no card data is sent with it. Use a test PaymentMethod such as pm_card_visa.',
        { param: 'stripe' },
      );
    }
  }

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
      const code = stripeCodeOf(e);
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
    assertTestMode,

    async tokenFromPaymentMethod(paymentMethod, request) {
      if (typeof paymentMethod !== 'string' || !/^pm_[A-Za-z0-9_]{1,100}$/.test(paymentMethod)) {
        throw invalid(
          'paymentMethod',
          'paymentMethod must be a Stripe test PaymentMethod id such as pm_card_visa.',
        );
      }
      checkRequest(request);
      await assertTestMode();
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
      // Nothing goes to /v1/payment_methods unless the client's own key is a readable test key and Stripe
      // says, just now, that the account is in test mode: never a cached answer, never a hidden key.
      assertRawCardClient();
      await checkAccount();
      assertRawCardClient();
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
        const code = stripeCodeOf(e);
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
      await assertTestMode();
      await revokeTestGrantedToken(stripe, token, version);
    },
  };
}

/** `createStripeTestPayments`, then `assertTestMode()` against Stripe: for start-up, where a call is possible. */
export async function createVerifiedStripeTestPayments(
  options: StripeTestPaymentsOptions,
): Promise<StripeTestPayments> {
  const helpers = createStripeTestPayments(options);
  await helpers.assertTestMode();
  return helpers;
}
