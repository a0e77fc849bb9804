import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const completeCheckoutSession = defineTool({
  name: 'complete_checkout_session',
  title: 'Pay and place the order',
  description:
    'Pay for a session whose status is ready_for_payment, creating the order. This charges the buyer: confirm with them first. payload.payment_data: {handler_id (from capabilities.payment.handlers), instrument: {type: "card", credential: {type: "spt", token: <Shared Payment Token>}}}. Returns the session, completed with order; a declined payment leaves it payable, with a message.',
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.completeSession(id!, payload, bindingRequest(meta, ctx))),
});
