// Merchant configuration the engine needs, with defaults. Apps build it from their environment; core never
// reads the environment itself.
import type {
  ExtensionDeclaration,
  Link,
  PaymentHandler,
  SupportInfo,
} from './spec/2026-04-17/schemas.generated.js';
import { deepFreeze } from './util/deep-freeze.js';

export type InterventionType = '3ds' | 'biometric' | 'address_verification';

export interface MerchantConfig {
  /** Payment handlers advertised in `capabilities.payment.handlers` (see `tokenizedCardHandler`). */
  paymentHandlers: PaymentHandler[];
  interventions?: {
    supported: InterventionType[];
    required?: ('3ds' | 'biometric')[];
    enforcement?: 'always' | 'conditional' | 'optional';
  };
  /** Extensions this merchant implements; a session declares those the agent also asked for. */
  extensions?: ExtensionDeclaration[];
  /** Policy links returned on every session. */
  links?: Link[];
  /** Lower-case ISO 4217 codes. Default `['usd']`. */
  supportedCurrencies?: string[];
  /** `permalink_url` of an order is this prefix + the order id. */
  orderPermalinkBase: string;
  /**
   * Builds an order's `permalink_url` instead of `orderPermalinkBase` + id, e.g. a capability URL carrying a MAC
   * of the order id so that the page opens for the buyer but cannot be enumerated. Must be pure (no I/O).
   */
  orderPermalink?: (orderId: string) => string;
  support?: SupportInfo;
  /** Session lifetime. Default 6 hours. */
  sessionTtlSeconds?: number;
  /** How long one process owns an in-flight charge before another may resume it. Default 60 s. */
  paymentLeaseSeconds?: number;
  /**
   * A charge whose PSP key answered a 5xx (Stripe saves it and replays it for 24 h): for this long after the
   * first 5xx the engine keeps resending under the same key (a 5xx the PSP did not save heals that way); then
   * it stops, and once nothing was sent under the key for this long again, a lookup that PROVES no payment
   * exists (the gateway's `list` or `payment` proof, never a search) closes the attempt, so a new one may
   * start. See the core README, "A 5xx saved under the key". Default 300 s.
   */
  unconfirmedPaymentGraceSeconds?: number;
  /**
   * Reading a session waits at most this long for payment recovery (a pending charge, an open payment link)
   * before answering with the state as stored; the recovery continues in the background. Default 2000 ms.
   */
  readRecoveryBudgetMs?: number;
  /**
   * Reading an `in_progress` session asks the PSP about its open payment link (in case its webhook never
   * arrives) at most this often per process, and not within this time after the link opened. Default 10 s.
   */
  linkCheckIntervalSeconds?: number;
  /**
   * The recovery timer (`recoverPendingPayments`) asks the PSP about at most this many open payment links per
   * pass (those not asked about for the longest time first; each at most once per
   * `linkCheckIntervalSeconds`). Default 50.
   */
  linkChecksPerRecoveryPass?: number;
  /** Hosted payment link lifetime (Stripe allows 30 min to 24 h). Default 1 hour. */
  paymentLinkTtlSeconds?: number;
  /** Largest quantity accepted on one line. Default 999. */
  maxLineQuantity?: number;
  /** Largest session total in minor units (Stripe's card limit is 99,999,999). Default 99,999,999. */
  maxTotalAmount?: number;
}

export interface ResolvedConfig
  extends Required<
    Omit<MerchantConfig, 'interventions' | 'extensions' | 'links' | 'support' | 'orderPermalink'>
  > {
  orderPermalink: ((orderId: string) => string) | undefined;
  interventions: NonNullable<MerchantConfig['interventions']>;
  extensions: ExtensionDeclaration[];
  links: Link[];
  support: SupportInfo | undefined;
}

export function resolveConfig(config: MerchantConfig): ResolvedConfig {
  return {
    paymentHandlers: deepFreeze(structuredClone(config.paymentHandlers)),
    interventions: config.interventions ?? { supported: [], required: [], enforcement: 'conditional' },
    extensions: config.extensions ?? [],
    links: deepFreeze(structuredClone(config.links ?? [])),
    supportedCurrencies: (config.supportedCurrencies ?? ['usd']).map((c) => c.toLowerCase()),
    orderPermalinkBase: config.orderPermalinkBase,
    orderPermalink: config.orderPermalink,
    support: config.support ? deepFreeze(structuredClone(config.support)) : undefined,
    sessionTtlSeconds: config.sessionTtlSeconds ?? 6 * 60 * 60,
    paymentLeaseSeconds: config.paymentLeaseSeconds ?? 60,
    paymentLinkTtlSeconds: config.paymentLinkTtlSeconds ?? 60 * 60,
    unconfirmedPaymentGraceSeconds: config.unconfirmedPaymentGraceSeconds ?? 300,
    readRecoveryBudgetMs: config.readRecoveryBudgetMs ?? 2000,
    linkCheckIntervalSeconds: config.linkCheckIntervalSeconds ?? 10,
    linkChecksPerRecoveryPass: config.linkChecksPerRecoveryPass ?? 50,
    maxLineQuantity: config.maxLineQuantity ?? 999,
    maxTotalAmount: config.maxTotalAmount ?? 99_999_999,
  };
}

export interface TokenizedCardHandlerOptions {
  /** Handler id the agent echoes in `payment_data.handler_id`. Default `card_tokenized`. */
  id?: string;
  /** PSP name, e.g. `stripe`. */
  psp: string;
  /** The merchant's PSP account id (Stripe `acct_…`); agents copy it into the delegate-payment allowance. */
  merchantId: string;
  displayName?: string;
  acceptedBrands?: string[];
  acceptedFundingTypes?: ('credit' | 'debit' | 'prepaid')[];
  supports3ds?: boolean;
  environment?: 'test' | 'production';
  displayOrder?: number;
}

/** The `dev.acp.tokenized.card` handler, shaped like the spec's `create_checkout_session_response` example. */
export function tokenizedCardHandler(options: TokenizedCardHandlerOptions): PaymentHandler {
  return {
    id: options.id ?? 'card_tokenized',
    name: 'dev.acp.tokenized.card',
    display_name: options.displayName ?? 'Credit Card',
    version: '2026-01-22',
    spec: 'https://acp.dev/handlers/tokenized.card',
    requires_delegate_payment: true,
    requires_pci_compliance: false,
    psp: options.psp,
    config_schema: 'https://acp.dev/schemas/handlers/tokenized.card/config.json',
    instrument_schemas: ['https://acp.dev/schemas/handlers/tokenized.card/instrument.json'],
    config: {
      merchant_id: options.merchantId,
      psp: options.psp,
      accepted_brands: options.acceptedBrands ?? ['visa', 'mastercard', 'amex', 'discover'],
      accepted_funding_types: options.acceptedFundingTypes ?? ['credit', 'debit'],
      supports_3ds: options.supports3ds ?? true,
      environment: options.environment ?? 'production',
    },
    display_order: options.displayOrder ?? 1,
  };
}
