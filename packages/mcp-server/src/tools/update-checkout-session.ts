import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const updateCheckoutSession = defineTool({
  name: 'update_checkout_session',
  title: 'Update checkout session',
  description:
    "Change a checkout session: line_items (replaces the cart), buyer, fulfillment_details {name, email, address} (address for physical items; an email in buyer or here is needed before payment), selected_fulfillment_options [{type, option_id, item_ids}] (ids from the session's fulfillment_options). Repeat until status is ready_for_payment.",
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.updateSession(id!, payload, bindingRequest(meta, ctx))),
});
