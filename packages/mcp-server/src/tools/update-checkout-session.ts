import { LATEST_API_VERSION } from '@acp/core';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const updateCheckoutSession = defineTool({
  name: 'update_checkout_session',
  title: 'Update checkout session',
  description: `Update a checkout session (POST /checkout_sessions/{id}): line_items (replaces the cart), buyer {email, first_name, last_name}, fulfillment_details {name, email, address {name, line_one, city, state, country, postal_code}}, selected_fulfillment_options [{type, option_id, item_ids}] (option ids come from the session's fulfillment_options). Arguments: {meta: {api_version: "${LATEST_API_VERSION}", idempotency_key}, id, payload}. Repeat until status is ready_for_payment.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.updateSession(id!, payload, bindingRequest(meta, ctx))),
});
