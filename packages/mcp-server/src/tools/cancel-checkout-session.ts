import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool } from './define.js';

export const cancelCheckoutSession = defineTool({
  name: 'cancel_checkout_session',
  title: 'Cancel checkout session',
  description:
    'Cancel a checkout session that is not completed. payload (optional): {intent_trace: {reason_code}}.',
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  run: async ({ meta, id, payload }, ctx) =>
    bindingAnswer(await ctx.service.cancelSession(id!, payload, bindingRequest(meta, ctx))),
});
