#!/usr/bin/env node
// An Express app serving ACP checkout: REST (/checkout_sessions…), MCP (/mcp), discovery and the Stripe webhook
// (/webhooks/stripe), next to the app's own routes.
import type { AddressInfo } from 'node:net';
import { createCheckout } from '@acp/checkout';
import express from 'express';

const key = process.env.STRIPE_SECRET_KEY;
const checkout = await createCheckout({
  name: 'Plant Shop',
  products: [
    { id: 'fern', name: 'Boston fern', unitAmount: 2400, currency: 'usd', fulfillment: 'physical' },
    {
      id: 'ebook',
      name: 'Houseplant care (ebook)',
      unitAmount: 1999,
      currency: 'usd',
      fulfillment: 'digital',
    },
  ],
  tax: { rateBps: 875 },
  shipping: { freeOver: 5000 },
  // Without STRIPE_SECRET_KEY: the local Stripe emulator (not Stripe; said on stderr). No money moves.
  ...(key ? { stripe: { secretKey: key, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? '' } } : {}),
  store: process.env.PLANTS_DB ? { sqlite: process.env.PLANTS_DB } : 'memory',
  onOrder: (order) => console.error(`order ${order.order.id}: ${order.amount} ${order.currency}`),
});

const app = express();
// The app's own routes first (with their own body parsers)...
app.get('/health', (_req, res) => {
  res.json({ ok: true, payments: checkout.payments.mode });
});
app.post('/contact', express.json(), (req, res) => {
  res.json({ received: typeof req.body?.message === 'string' });
});
// ...then ACP checkout for every other path. It reads the raw body itself: no body parser in front of it.
app.use(checkout.node);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  checkout.setServerUrl(url); // the emulator's webhooks go to <url>/webhooks/stripe
  console.error(`listening on ${url}`);
});
process.on('SIGTERM', () => server.close(() => void checkout.close().then(() => process.exit(0))));
