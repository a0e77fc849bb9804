#!/usr/bin/env node
// The same handler on Node's http server (the package's Node adapter), for a local run: `npm start`.
import { checkout } from './handler.js';

const url = await checkout.listen({ port: Number(process.env.PORT ?? 3000) });
console.error(`listening on ${url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void checkout.close().then(() => process.exit(0)));
}
