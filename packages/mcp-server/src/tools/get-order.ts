import { AcpError, spec, toWireError, toWireOrder } from '@acp/core';
import * as z from 'zod';
import { defineTool, READ_ONLY, zodInput } from './define.js';
import { toolError, toolOk } from './results.js';

export const GetOrderInput = z
  .strictObject({
    order_id: z.string().min(1).max(200).optional(),
    checkout_session_id: z.string().min(1).max(200).optional(),
  })
  .refine((v) => (v.order_id === undefined) !== (v.checkout_session_id === undefined), {
    message: 'Give exactly one of order_id or checkout_session_id.',
  });

export const GetOrderOutput = z.object({
  order: spec.Order,
  checkout_session_id: z.string(),
  amount: z.number().int().describe('Amount charged, in minor units.'),
  currency: z.string(),
  created_at: z.string(),
  buyer: spec.Buyer.optional().describe('Only for an authorized caller.'),
});

export const getOrder = defineTool({
  name: 'get_order',
  title: 'Get order',
  description:
    'Look up a placed order by order_id or checkout_session_id. Buyer details only for an authorized caller.',
  input: zodInput(GetOrderInput),
  output: GetOrderOutput,
  annotations: READ_ONLY,
  async run(args, { service, caller, canReadBuyerDetails }) {
    let record = args.order_id
      ? await service.getOrder(args.order_id)
      : await service.getOrderBySession(args.checkout_session_id!);
    // An order belongs to whoever created its session: anyone else gets the unknown-order answer.
    if (record && !(await service.loadSession(record.sessionId, { caller }))) record = null;
    if (!record) {
      return toolError(
        toWireError(
          new AcpError('order_not_found', 'No order found. The session may not be completed yet.', {
            param: args.order_id ? '$.order_id' : '$.checkout_session_id',
          }),
        ),
      );
    }
    return toolOk({
      order: toWireOrder(record),
      checkout_session_id: record.sessionId,
      amount: record.amount,
      currency: record.currency,
      created_at: record.createdAt,
      ...(canReadBuyerDetails && record.buyer ? { buyer: record.buyer } : {}),
    });
  },
});
