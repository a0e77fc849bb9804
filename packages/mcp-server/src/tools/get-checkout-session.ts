import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool, READ_ONLY } from './define.js';

export const getCheckoutSession = defineTool({
  name: 'get_checkout_session',
  title: 'Get checkout session',
  description: 'Read a checkout session.',
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: READ_ONLY,
  run: async ({ meta, id }, ctx) =>
    bindingAnswer(await ctx.service.getSession(id!, bindingRequest(meta, ctx))),
});
