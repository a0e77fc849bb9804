import * as z from 'zod';
import { fromServiceResult } from '../service-result.js';
import { defineTool, zodInput } from './define.js';
import { toolError, toolOk } from './results.js';

export const CreatePaymentLinkInput = z.strictObject({
  checkout_session_id: z.string().min(1).max(200),
});
export const CreatePaymentLinkOutput = z.object({
  url: z.string().describe('Hosted payment page: give this link to the buyer.'),
  expires_at: z.string(),
  checkout_session_id: z.string(),
});

export const createPaymentLink = defineTool({
  name: 'create_payment_link',
  title: 'Create payment link',
  description:
    "Open (or return the open) hosted payment page of a ready_for_payment session. Give the url to the buyer: they pay on the payment provider's page, without card data passing through the chat. The session becomes completed when the payment succeeds (check with get_order).",
  input: zodInput(CreatePaymentLinkInput),
  output: CreatePaymentLinkOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  enabled: (options) => options.paymentLinks !== false,
  async run(args, { service, caller }) {
    const r = fromServiceResult(await service.createPaymentLink(args.checkout_session_id, { caller }));
    return r.ok ? toolOk(r.value) : toolError(r.error);
  },
});
