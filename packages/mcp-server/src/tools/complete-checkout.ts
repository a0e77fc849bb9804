// ChatGPT's payment sheet (Apps SDK "Checkout API"): `complete_checkout(checkout_session_id, buyer,
// payment_data)`, mapped onto the ACP complete request.
import {
  AcpError,
  type CheckoutService,
  canonicalJson,
  LATEST_API_VERSION,
  spec,
  toWireError,
  type AcpWireError as WireError,
} from '@acp/core';
import * as z from 'zod';
import { fromServiceResult } from '../service-result.js';
import { sha256Hex } from '../signing.js';
import { sessionOutput } from './binding.js';
import { defineTool, zodInput } from './define.js';
import { toolError, toolOk } from './results.js';

export const CompleteCheckoutInput = z.object({
  checkout_session_id: z.string().min(1).max(200),
  buyer: z
    .object({
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      full_name: z.string().optional(),
      name: z.string().optional(),
      email: z.string(),
      phone_number: z.string().optional(),
    })
    .nullish(),
  payment_data: z.union([
    z.object({
      token: z.string().min(1),
      provider: z.string().min(1),
      billing_address: spec.Address.nullish(),
    }),
    z.object({
      handler_id: z.string().min(1),
      instrument: z.looseObject({
        type: z.string(),
        credential: z.looseObject({ type: z.string(), token: z.string() }),
      }),
      billing_address: spec.Address.nullish(),
    }),
  ]),
});
export type CompleteCheckoutInput = z.infer<typeof CompleteCheckoutInput>;

/** ChatGPT `complete_checkout` arguments → ACP `CheckoutSessionCompleteRequest`. */
function completeRequest(
  service: CheckoutService,
  args: CompleteCheckoutInput,
): { request: Record<string, unknown> } | { error: WireError } {
  const pd = args.payment_data;
  let paymentData: Record<string, unknown>;
  if ('token' in pd) {
    const handler = service.config.paymentHandlers.find((h) => h.psp === pd.provider);
    if (!handler) {
      return {
        error: toWireError(
          new AcpError(
            'unsupported_payment_handler',
            `This store does not accept provider "${pd.provider}".`,
            {
              param: '$.payment_data.provider',
            },
          ),
        ),
      };
    }
    paymentData = {
      handler_id: handler.id,
      instrument: { type: 'card', credential: { type: 'spt', token: pd.token } },
    };
  } else {
    paymentData = { handler_id: pd.handler_id, instrument: pd.instrument };
  }
  if (pd.billing_address) paymentData.billing_address = pd.billing_address;
  const request: Record<string, unknown> = { payment_data: paymentData };
  if (args.buyer) {
    const b = args.buyer;
    const buyer: Record<string, unknown> = { email: b.email };
    if (b.first_name) buyer.first_name = b.first_name;
    if (b.last_name) buyer.last_name = b.last_name;
    const full = b.full_name ?? b.name;
    if (full) buyer.full_name = full;
    if (b.phone_number) buyer.phone_number = b.phone_number;
    request.buyer = buyer;
  }
  return { request };
}

export const completeCheckout = defineTool({
  name: 'complete_checkout',
  title: 'Complete checkout (ChatGPT payment sheet)',
  description:
    'Called by ChatGPT after the buyer approves its payment sheet: charges payment_data {token, provider} for the session and returns the completed session with order.',
  input: zodInput(CompleteCheckoutInput),
  output: sessionOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  enabled: (options) => options.chatgptCompleteCheckout !== false,
  async run(args, { service, caller }) {
    const body = completeRequest(service, args);
    if ('error' in body) return toolError(body.error);
    // The same approved sheet is one charge: its idempotency key is derived from the request.
    const digest = await sha256Hex(canonicalJson(body.request));
    const r = fromServiceResult(
      await service.completeSession(args.checkout_session_id, body.request, {
        caller,
        apiVersion: LATEST_API_VERSION,
        idempotencyKey: `chatgpt-complete-${digest.slice(0, 32)}`,
        paramRoot: '$',
      }),
    );
    return r.ok ? toolOk(r.value) : toolError(r.error);
  },
});
