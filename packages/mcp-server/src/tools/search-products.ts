import * as z from 'zod';
import { defineTool, READ_ONLY, zodInput } from './define.js';
import { ProductSummary, productSummary } from './products.js';
import { toolOk } from './results.js';

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

export const searchProducts = defineTool({
  name: 'search_products',
  title: 'Search products',
  description:
    'Search the catalog. Each product id is a line_items[].id for create_checkout_session; unit_amount is in minor units of its currency.',
  input: zodInput(SearchProductsInput),
  output: SearchProductsOutput,
  annotations: READ_ONLY,
  enabled: (options) => options.catalog !== undefined,
  signed: false,
  async run(args, { options }) {
    const page = await options.catalog!.search({
      ...(args.query !== undefined ? { query: args.query } : {}),
      ...(args.category !== undefined ? { category: args.category } : {}),
      ...(args.max_unit_amount !== undefined ? { maxUnitAmount: args.max_unit_amount } : {}),
      ...(args.in_stock_only !== undefined ? { inStockOnly: args.in_stock_only } : {}),
      ...(args.cursor !== undefined ? { cursor: args.cursor } : {}),
      limit: args.limit ?? 10,
    });
    return toolOk({
      products: page.products.map(productSummary),
      ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
    });
  },
});
