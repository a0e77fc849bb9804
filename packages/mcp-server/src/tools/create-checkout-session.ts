import { currencyList } from '../instructions.js';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const createCheckoutSession = defineTool({
  name: 'create_checkout_session',
  title: 'Create checkout session',
  description: (options) =>
    `Start a checkout. payload: {currency: ${currencyList(options)}, line_items: [{id, quantity?}] (ids from search_products), capabilities: {interventions: {supported: []}}, buyer?, fulfillment_details?}. Returns the session: status and messages[] say what is still needed.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run: async ({ meta, payload }, ctx) =>
    bindingAnswer(await ctx.service.createSession(payload, bindingRequest(meta, ctx))),
});
