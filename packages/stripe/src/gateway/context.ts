// The gateway's settings, resolved once from `StripeGatewayOptions`, and the one way its modules call Stripe
// (`call`, which retries plain 429s). Every gateway module receives this context.
import type Stripe from 'stripe';
import { classifyError, StripeAdapterError } from '../errors.js';
import type { GatewayLogger, StripeGatewayOptions } from '../gateway.js';
import type { AuthenticationSettings } from '../outcomes.js';
import { DEFAULT_SPT_API_VERSION, type SptParameterLocation } from '../spt.js';

export interface GatewayContext {
  readonly stripe: Stripe;
  /** Runs a Stripe call, retrying plain 429s with backoff (the idempotency key stays the same). */
  call<T>(fn: () => Promise<T>): Promise<T>;
  /** Checked acquirer settings; undefined when 3DS is not offered to agents. */
  readonly auth: AuthenticationSettings | undefined;
  readonly sptVersion: string;
  readonly sptParameter: SptParameterLocation;
  readonly validateToken: boolean;
  readonly reconcileBy: 'search' | 'none';
  readonly listLimit: number;
  readonly describe: (sessionId: string) => string | undefined;
  readonly now: () => number;
  readonly logger: GatewayLogger | undefined;
}

/** PaymentIntent fields every read expands (card brand and last 4, Radar outcome). */
export const EXPAND = ['latest_charge', 'payment_method'];
/** `EXPAND` on list and search answers. */
export const EXPAND_DATA = EXPAND.map((e) => `data.${e}`);

/** The PaymentIntent description when none is configured: `Checkout <ACP session id>`. */
export const defaultDescription = (sessionId: string): string => `Checkout ${sessionId}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createGatewayContext(options: StripeGatewayOptions): GatewayContext {
  const rateRetries = options.rateLimitRetries ?? 2;
  const rateDelay = options.rateLimitRetryDelayMs ?? 500;
  return {
    stripe: options.stripe,
    async call<T>(fn: () => Promise<T>): Promise<T> {
      for (let i = 0; ; i++) {
        try {
          return await fn();
        } catch (e) {
          if (classifyError(e).kind !== 'rate_limited' || i >= rateRetries) throw e;
          await sleep(rateDelay * 2 ** i);
        }
      }
    },
    auth: checkAuthentication(options.authentication),
    sptVersion: options.sptApiVersion ?? DEFAULT_SPT_API_VERSION,
    sptParameter: options.sptParameter ?? 'payment_method_data',
    validateToken: options.validateTokenBeforeCharge ?? true,
    reconcileBy: options.reconcileBy ?? 'search',
    listLimit: Math.max(100, options.reconcileListLimit ?? 2000),
    describe: options.description ?? defaultDescription,
    now: options.now ?? Date.now,
    logger: options.logger,
  };
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
