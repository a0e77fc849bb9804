import { AcpError, echoRedacted, toWireError } from '@acp/core';
import * as z from 'zod';
import { defineTool, READ_ONLY, zodInput } from './define.js';
import { ProductSummary, productSummary } from './products.js';
import { toolError, toolOk } from './results.js';

export const GetProductInput = z.strictObject({ product_id: z.string().min(1).max(200) });
export const GetProductOutput = z.object({ product: ProductSummary });

export const getProduct = defineTool({
  name: 'get_product',
  title: 'Get product',
  description: 'Get one product of the catalog by its id (as returned by search_products).',
  input: zodInput(GetProductInput),
  output: GetProductOutput,
  annotations: READ_ONLY,
  enabled: (options) => options.catalog !== undefined,
  signed: false,
  // Catalog ids may read as a card number: they are looked up, and echoed through `echoRedacted`.
  panAllowed: [['product_id']],
  async run(args, { options }) {
    const [product] = await options.catalog!.getProducts([args.product_id]);
    if (!product) {
      return toolError(
        toWireError(
          new AcpError('not_found', `No product with id "${echoRedacted(args.product_id)}".`, {
            param: '$.product_id',
          }),
        ),
        'Use search_products to find valid ids.',
      );
    }
    return toolOk({ product: productSummary(product) });
  },
});
