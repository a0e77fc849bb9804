// ACP checkout as a web-standard fetch handler: `Request → Response`, the shape Hono (`c.req.raw`), Next.js
// route handlers (`export const GET = handler, POST = handler`), Bun and Deno serve. It answers ACP REST
// (/checkout_sessions…), MCP (/mcp), discovery (/.well-known/acp.json) and the Stripe webhook (/webhooks/stripe).
import { createCheckout } from '@acp/checkout';

const key = process.env.STRIPE_SECRET_KEY;

export const checkout = await createCheckout({
  name: 'Fetch Shop',
  products: [
    { id: 'ebook', name: 'MCP Handbook (ebook)', unitAmount: 1999, currency: 'usd', fulfillment: 'digital' },
    { id: 'mug', name: 'Stoneware Mug', unitAmount: 1800, currency: 'usd', fulfillment: 'physical' },
  ],
  tax: { rateBps: 875 },
  shipping: { freeOver: 5000 },
  // Without STRIPE_SECRET_KEY: the local Stripe emulator (not Stripe; it says so on stderr). No money moves.
  ...(key ? { stripe: { secretKey: key, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? '' } } : {}),
  onOrder: (order) => console.error(`order ${order.order.id}: ${order.amount} ${order.currency}`),
});

export const handler = (request: Request): Promise<Response> => checkout.fetch(request);

export default { fetch: handler };
