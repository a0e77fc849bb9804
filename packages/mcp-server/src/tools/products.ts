// The product view shared by search_products and get_product.
import { type Product, productAvailability } from '@acp/core';
import * as z from 'zod';

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

export function productSummary(p: Product): ProductSummary {
  const out: ProductSummary = {
    id: p.id,
    name: p.name,
    unit_amount: p.unitAmount,
    currency: p.currency,
    availability_status: productAvailability(p),
    images: [...(p.images ?? [])],
  };
  if (p.description !== undefined) out.description = p.description;
  if (p.availableQuantity !== undefined) out.available_quantity = Math.max(0, p.availableQuantity);
  if (p.category !== undefined) out.category = p.category;
  if (p.url !== undefined) out.url = p.url;
  return out;
}
