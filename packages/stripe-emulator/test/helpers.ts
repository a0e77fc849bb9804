import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { StripeEmulator } from '../src/index.js';

export function client(emulator: StripeEmulator, key = 'sk_test_emulator', maxNetworkRetries = 0): Stripe {
  return new Stripe(key, { ...emulator.stripeConfig, maxNetworkRetries });
}

export interface Received {
  body: string;
  signature: string | undefined;
}

/** A tiny webhook receiver; `respond` decides the status of each delivery. */
export async function startReceiver(respond: (n: number, r: Received) => number = () => 200) {
  const received: Received[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = {
      body: Buffer.concat(chunks).toString('utf8'),
      signature: req.headers['stripe-signature'] as string | undefined,
    };
    received.push(r);
    res.writeHead(respond(received.length, r));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POST a form like a browser would (no redirect following). */
export async function postForm(url: string, fields: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}
