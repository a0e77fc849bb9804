import { LATEST_API_VERSION } from '@acp/core';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const cancelCheckoutSession = defineTool({
  name: 'cancel_checkout_session',
  title: 'Cancel checkout session',
  description: `Cancel a checkout session that is not completed or canceled yet (POST /checkout_sessions/{id}/cancel). Arguments: {meta: {api_version: "${LATEST_API_VERSION}", idempotency_key}, id, payload?: {intent_trace?: {reason_code, trace_summary?}}}.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.cancelSession(id!, payload, bindingRequest(meta, ctx))),
});
