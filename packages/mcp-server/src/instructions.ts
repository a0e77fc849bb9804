// The server instructions: a purchase walkthrough that names only the tools these options enable, and the
// store's own currencies. The standalone factory uses them by default; a host adds them to its own.
import { LATEST_API_VERSION } from '@acp/core';
import type { AcpToolsOptions } from './tools/define.js';

/** The store's currencies (lower-case ISO 4217), as core accepts them. */
export function storeCurrencies(options: AcpToolsOptions): string[] {
  const configured = options.service.config.supportedCurrencies;
  return configured?.length ? [...configured] : ['usd'];
}

/** Server instructions for the checkout tools these options enable (for a host: add them to its own). */
export function acpServerInstructions(options: AcpToolsOptions): string {
  const testMode = options.testPayments?.mode === 'test';
  const steps = [
    options.catalog ? 'search_products to find item ids' : undefined,
    `create_checkout_session with meta {api_version: "${LATEST_API_VERSION}", idempotency_key: <new UUID>} and payload {currency: ${currencyList(options)}, line_items: [{id}], capabilities: {interventions: {supported: []}}}`,
    'update_checkout_session with buyer, fulfillment_details and selected_fulfillment_options until status is ready_for_payment (messages[] says what is missing)',
    [
      'pay:',
      options.paymentLinks !== false
        ? 'create_payment_link gives the buyer a hosted payment page (no card data in the chat);'
        : undefined,
      testMode
        ? 'collect_payment_info (test mode only) turns a Stripe test PaymentMethod such as pm_card_visa into payment_data;'
        : undefined,
      "complete_checkout_session takes payload.payment_data (a Shared Payment Token from the buyer's agent or wallet)",
    ]
      .filter(Boolean)
      .join(' '),
    'get_order to confirm',
  ].filter((s): s is string => s !== undefined);
  return `This server sells through the Agentic Commerce Protocol (ACP ${LATEST_API_VERSION}). To buy: ${steps
    .map((s, i) => `${i + 1}) ${s}`)
    .join('; ')}. Amounts are integers in minor units. Never ask the buyer for card numbers.`;
}

/** The store's currencies as a description says them: `"usd"`, or `one of "usd", "eur"`. */
export function currencyList(options: AcpToolsOptions): string {
  const list = storeCurrencies(options).map((c) => `"${c}"`);
  return list.length === 1 ? list[0]! : `one of ${list.join(', ')}`;
}
