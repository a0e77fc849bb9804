import { LATEST_API_VERSION } from '@acp/core';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const completeCheckoutSession = defineTool({
  name: 'complete_checkout_session',
  title: 'Pay and place the order',
  description: `Pay for a ready_for_payment session and create the order (POST /checkout_sessions/{id}/complete). This charges the buyer: confirm with them first. Arguments: {meta: {api_version: "${LATEST_API_VERSION}", idempotency_key}, id, payload: {buyer?, payment_data: {handler_id: <capabilities.payment.handlers[].id>, instrument: {type: "card", credential: {type: "spt", token: <Shared Payment Token>}}}}}. Returns the completed session with order {id, permalink_url}, or the session with a payment_declined message.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.completeSession(id!, payload, bindingRequest(meta, ctx))),
});
