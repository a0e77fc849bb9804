// Zod schemas of the shopper tools and ChatGPT's `complete_checkout` (inputs and outputs). The ACP binding
// tools use the official schemas (json-schema.ts) instead.
import { spec } from '@acp/core';
import * as z from 'zod';

export const AcpErrorOutput = z.object({
  type: z.enum(['invalid_request', 'processing_error', 'service_unavailable']),
  code: z.string(),
  message: z.string(),
  param: z.string().optional(),
  supported_versions: z.array(z.string()).optional(),
});

export const ProductSummary = z.object({
  id: z.string().describe('Item id: use it as `line_items[].id` in create_checkout_session.'),
  name: z.string(),
  description: z.string().optional(),
  unit_amount: z.number().int().describe('Price per unit in minor units (cents).'),
  currency: z.string(),
  availability_status: z.enum(['in_stock', 'low_stock', 'out_of_stock', 'backorder', 'pre_order']),
  available_quantity: z.number().int().optional().describe('Units in stock, when the store tracks stock.'),
  images: z.array(z.string()),
  category: z.string().optional(),
  url: z.string().optional(),
});
export type ProductSummary = z.infer<typeof ProductSummary>;

export const SearchProductsInput = z.strictObject({
  query: z.string().max(200).optional().describe('Words to match against product names and descriptions.'),
  category: z.string().max(100).optional(),
  max_unit_amount: z.number().int().min(0).optional().describe('Highest unit price, in minor units (cents).'),
  in_stock_only: z.boolean().optional(),
  limit: z.number().int().min(1).max(50).optional().describe('Default 10.'),
  cursor: z.string().max(500).optional().describe('`next_cursor` of a previous page.'),
});

export const SearchProductsOutput = z.object({
  products: z.array(ProductSummary),
  next_cursor: z.string().optional(),
});

export const GetProductInput = z.strictObject({ product_id: z.string().min(1).max(200) });
export const GetProductOutput = z.object({ product: ProductSummary });

export const CreatePaymentLinkInput = z.strictObject({
  checkout_session_id: z.string().min(1).max(200),
});
export const CreatePaymentLinkOutput = z.object({
  url: z.string().describe('Hosted payment page: give this link to the buyer.'),
  expires_at: z.string(),
  checkout_session_id: z.string(),
});

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

const TestCardNumber = z.string().regex(/^[0-9 ]{12,23}$/, 'must be 12 to 19 digits');

export function collectPaymentInfoInput(rawCardsEnabled: boolean) {
  const base = {
    sessionId: z.string().min(1).max(200).describe('The checkout session id to pay for.'),
    paymentMethodId: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]+$/, 'must be a Stripe test PaymentMethod id such as pm_card_visa')
      .optional()
      .describe(
        'A Stripe test PaymentMethod: pm_card_visa, pm_card_mastercard, pm_card_visa_chargeDeclined, …',
      ),
  };
  if (!rawCardsEnabled) return z.strictObject({ ...base, paymentMethodId: base.paymentMethodId.unwrap() });
  return z
    .strictObject({
      ...base,
      cardNumber: TestCardNumber.optional().describe('TEST card number only, e.g. 4242424242424242.'),
      expMonth: z.number().int().min(1).max(12).optional(),
      expYear: z.number().int().min(2000).max(2100).optional(),
      cvc: z
        .string()
        .regex(/^[0-9]{3,4}$/, 'must be 3 or 4 digits')
        .optional(),
    })
    .refine(
      (v) =>
        (v.paymentMethodId !== undefined) !==
        (v.cardNumber !== undefined &&
          v.expMonth !== undefined &&
          v.expYear !== undefined &&
          v.cvc !== undefined),
      { message: 'Give either paymentMethodId, or all of cardNumber, expMonth, expYear and cvc.' },
    );
}

export const CollectPaymentInfoOutput = z.object({
  shared_payment_token: z.string(),
  expires_at: z.string(),
  max_amount: z.number().int(),
  currency: z.string(),
  handler_id: z.string().describe('Use as payment_data.handler_id in complete_checkout_session.'),
  payment_data: z
    .object({
      handler_id: z.string(),
      instrument: z.object({
        type: z.literal('card'),
        credential: z.object({ type: z.literal('spt'), token: z.string() }),
      }),
    })
    .describe('Ready to pass as payload.payment_data of complete_checkout_session.'),
});

/** ChatGPT payment sheet (Apps SDK "Checkout API"): `complete_checkout(checkout_session_id, buyer, payment_data)`. */
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
