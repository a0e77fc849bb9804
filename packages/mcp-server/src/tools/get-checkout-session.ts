import { LATEST_API_VERSION } from '@acp/core';
import { BINDING_ENVELOPE, bindingAnswer, bindingRequest, sessionOutput } from './binding.js';
import { defineTool, READ_ONLY } from './define.js';

export const getCheckoutSession = defineTool({
  name: 'get_checkout_session',
  title: 'Get checkout session',
  description: `Retrieve the current state of a checkout session (GET /checkout_sessions/{id}). Arguments: {meta: {api_version: "${LATEST_API_VERSION}"}, id}.`,
  input: BINDING_ENVELOPE,
  output: sessionOutput,
  annotations: READ_ONLY,
  run: async ({ meta, id }, ctx) =>
    bindingAnswer(await ctx.service.getSession(id!, bindingRequest(meta, ctx))),
});
