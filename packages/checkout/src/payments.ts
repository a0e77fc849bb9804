// Payments: real Stripe with a key (or a client you built), else the local Stripe emulator started in-process,
// loudly. The gateway, the webhook handler and the test-payments provider all come from @acp/stripe.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@acp/core';
import {
  type AuthenticationSettings,
  clientKeyMode,
  createStripeTestPaymentsProvider,
  type StripeTestPaymentsProvider,
} from '@acp/stripe';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { CheckoutError } from './errors.js';
import type { CheckoutOptions } from './options.js';

/** The key the emulator is driven with: it only ever reaches the local emulator. */
const EMULATOR_KEY = 'sk_test_acp_checkout_emulator_offline';

export const EMULATOR_WARNING =
  'payments are SIMULATED: no Stripe key was given, so the local Stripe emulator (@acp/stripe-emulator, not Stripe) takes them; no money moves. Pass stripe: { secretKey, webhookSecret } to take real payments.';

/** What the checkout takes payments with. */
export interface PaymentsInfo {
  /** `emulator`: simulated (no key given); `test`: Stripe test mode; `live`: real money, test-only paths off. */
  readonly mode: 'emulator' | 'test' | 'live';
  /** True when no money can move (the emulator). */
  readonly simulated: boolean;
  /** The loud warning when simulated (also logged at start-up). */
  readonly warning: string | undefined;
  /** The account advertised to agents in the payment handler. */
  readonly accountId: string;
  /** False when Stripe could not be reached at start-up to check the key (payments may fail until it is). */
  readonly accountVerified: boolean;
  /** The emulator's base URL (its hosted payment pages live there), when simulated. */
  readonly emulatorUrl: string | undefined;
}

export interface Payments {
  info: PaymentsInfo;
  stripe: Stripe;
  webhookSecret: string | readonly string[];
  authentication: AuthenticationSettings | undefined;
  testPayments: StripeTestPaymentsProvider | undefined;
  emulator: StripeEmulator | undefined;
  close(): Promise<void>;
}

export async function setUpPayments(
  options: CheckoutOptions,
  logger: Logger,
  name: string,
): Promise<Payments> {
  const s = options.stripe;
  if (!s) {
    const emulator = await startStripeEmulator({
      host: '127.0.0.1',
      port: 0,
      allowRawCards: options.emulator?.allowRawCards === true,
    });
    const stripe = new Stripe(EMULATOR_KEY, {
      ...emulator.stripeConfig,
      maxNetworkRetries: 2,
      timeout: 10_000,
    });
    logger.warn(EMULATOR_WARNING, { emulator: emulator.url });
    return {
      info: {
        mode: 'emulator',
        simulated: true,
        warning: EMULATOR_WARNING,
        accountId: 'acct_emulator',
        accountVerified: true,
        emulatorUrl: emulator.url,
      },
      stripe,
      webhookSecret: `whsec_${randomBytes(24).toString('hex')}`,
      // The emulator's 3DS test pages need no real acquirer: 3DS through the agent works offline.
      authentication: {
        acquirerBin: '424242',
        acquirerCountry: 'US',
        acquirerMerchantId: 'acct_emulator',
        merchantName: name.slice(0, 40),
      },
      testPayments: createStripeTestPaymentsProvider(stripe, {
        secretKey: EMULATOR_KEY,
        allowRawCards: options.emulator?.allowRawCards === true,
      }),
      emulator,
      close: () => emulator.close(),
    };
  }

  const secretKey = 'secretKey' in s ? s.secretKey : undefined;
  const stripe =
    'client' in s
      ? s.client
      : new Stripe(s.secretKey, { maxNetworkRetries: 2, timeout: 20_000, ...s.clientConfig });
  // The mode follows the client's own key; a key that cannot be read (custom authenticator) counts as live.
  const mode = clientKeyMode(stripe) === 'test' ? 'test' : 'live';
  if (mode === 'live' && s.allowRawTestCards === true) {
    throw new CheckoutError('invalid_options', [
      {
        path: 'stripe.allowRawTestCards',
        message: 'raw test cards exist in test mode only: not with a live key',
      },
    ]);
  }
  let accountId = s.accountId;
  let accountVerified = true;
  if (accountId === undefined) {
    // The key is checked before anything is served: a revoked key must not start a store that then fails every
    // payment.
    try {
      accountId = (await stripe.accounts.retrieve(null as unknown as string)).id;
    } catch (e) {
      const err = e as { type?: string; statusCode?: number; message?: string };
      if (err.type === 'StripeAuthenticationError' || err.statusCode === 401 || err.statusCode === 403) {
        throw new CheckoutError('stripe_key_refused', [
          {
            path: 'client' in s ? 'stripe.client' : 'stripe.secretKey',
            message: `Stripe refused the key (${err.statusCode ?? 401}: invalid, revoked or without access to the account${err.statusCode === 403 ? '; a restricted key that may not read the account works with stripe.accountId set, which skips this check' : ''})`,
          },
        ]);
      }
      accountId = 'acct_unverified';
      accountVerified = false;
      logger.warn(
        'could not reach Stripe to check the secret key: starting anyway, but payments may fail until Stripe is reachable and the key is valid (set stripe.accountId to skip this check)',
        { error: err.message },
      );
    }
  }
  if (mode === 'live') logger.info?.('payments: Stripe LIVE mode (test-only tools disabled)');
  else logger.info?.('payments: Stripe test mode');
  return {
    info: {
      mode,
      simulated: false,
      warning: undefined,
      accountId,
      accountVerified,
      emulatorUrl: undefined,
    },
    stripe,
    webhookSecret: s.webhookSecret,
    authentication: s.authentication,
    testPayments:
      mode === 'test'
        ? createStripeTestPaymentsProvider(stripe, {
            ...(secretKey !== undefined ? { secretKey } : {}),
            allowRawCards: s.allowRawTestCards === true,
          })
        : undefined,
    emulator: undefined,
    close: async () => undefined,
  };
}
