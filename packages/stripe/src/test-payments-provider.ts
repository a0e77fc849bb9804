// The test-payments glue for MCP servers: `@acp/stripe`'s test helpers in the shape `@acp/mcp-server`'s
// `TestPaymentsProvider` expects (structurally: this package does not import the MCP packages), so that
// `collect_payment_info` can turn a Stripe test PaymentMethod (or, when enabled, a raw TEST card) into a Shared
// Payment Token limited to one checkout. Offered only when the `stripe` client itself sends a test key.
import type Stripe from 'stripe';
import { clientKeyMode, createStripeTestPayments } from './test-payments.js';

/** What `collect_payment_info` asks for: a token for one session, from a test PaymentMethod or a raw test card. */
export type AgentTestTokenInput =
  | { sessionId: string; amount: number; currency: string; paymentMethodId: string }
  | {
      sessionId: string;
      amount: number;
      currency: string;
      card: { number: string; expMonth: number; expYear: number; cvc: string };
    };

/** The token as the MCP tool returns it (`expires_at` as an ISO 8601 time). */
export interface AgentTestToken {
  shared_payment_token: string;
  expires_at: string;
  max_amount: number;
  currency: string;
}

/** Structurally `@acp/mcp-server`'s `TestPaymentsProvider` (a type test in `@acp/checkout` keeps them equal). */
export interface StripeTestPaymentsProvider {
  /** Always `'test'`: derived from the client's own key, never from configuration. */
  readonly mode: 'test';
  readonly rawCardsEnabled: boolean;
  createTestToken(input: AgentTestTokenInput): Promise<AgentTestToken>;
}

export interface StripeTestPaymentsProviderOptions {
  /**
   * The secret key the client was built with, for a clear error at construction when it is not the client's
   * own test key (`live_mode_forbidden`). Optional: the mode always follows the client.
   */
  secretKey?: string;
  /** Accept raw TEST card numbers (Stripe test mode with raw card data APIs enabled). Default false. */
  allowRawCards?: boolean;
}

/**
 * The provider behind `collect_payment_info`, or `undefined` when the `stripe` client does not itself send a test
 * key (`clientKeyMode(stripe) !== 'test'`: a live key, or a custom authenticator that hides it), so that such a
 * server does not list the tool at all. The helpers still ask Stripe for the account's `livemode` before their
 * first request, and `createStripeTestPayments` refuses live keys whatever this says.
 */
export function createStripeTestPaymentsProvider(
  stripe: Stripe,
  options: StripeTestPaymentsProviderOptions = {},
): StripeTestPaymentsProvider | undefined {
  if (clientKeyMode(stripe) !== 'test') return undefined;
  const helpers = createStripeTestPayments({
    stripe,
    ...(options.secretKey !== undefined ? { secretKey: options.secretKey } : {}),
    allowRawCards: options.allowRawCards === true,
  });
  return {
    mode: 'test',
    rawCardsEnabled: helpers.rawCardsEnabled,
    async createTestToken(input) {
      const request = { amount: input.amount, currency: input.currency };
      const t =
        'paymentMethodId' in input
          ? await helpers.tokenFromPaymentMethod(input.paymentMethodId, request)
          : await helpers.tokenFromCard(
              {
                number: input.card.number,
                exp_month: input.card.expMonth,
                exp_year: input.card.expYear,
                cvc: input.card.cvc,
              },
              request,
            );
      return {
        shared_payment_token: t.shared_payment_token,
        expires_at: new Date(t.expires_at * 1000).toISOString(),
        max_amount: t.max_amount,
        currency: t.currency,
      };
    },
  };
}
