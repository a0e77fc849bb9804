import { LATEST_API_VERSION } from '@acp/core';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const createCheckoutSession = defineTool({
  name: 'create_checkout_session',
  title: 'Create checkout session',
  description: `Create an ACP checkout session (POST /checkout_sessions). Arguments: {meta, payload}. meta.api_version must be "${LATEST_API_VERSION}"; send meta.idempotency_key (a new UUID per distinct request, reused only to retry the same request). payload: {currency: "usd", line_items: [{id: <item id from search_products>, quantity?}], capabilities: {interventions: {supported: []}}, buyer?, fulfillment_details?}. Returns the session: read status and messages[] to see what is still needed.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run: async ({ meta, payload }, ctx) =>
    bindingAnswer(await ctx.service.createSession(payload, bindingRequest(meta, ctx))),
});
