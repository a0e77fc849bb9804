#!/usr/bin/env node
// acp-stripe-emulator: run the local Stripe emulator (NOT Stripe) for offline development.
//
//   acp-stripe-emulator [--port 12111] [--host 127.0.0.1] [--webhook URL=whsec_secret]... [--allow-raw-cards]
//                       [--fault-rate 0.2] [--fault-seed 7] [--latency 50]
import { parseArgs } from 'node:util';
import { startStripeEmulator, type WebhookEndpoint } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-url': { type: 'string' },
    webhook: { type: 'string', multiple: true, default: [] },
    'allow-raw-cards': { type: 'boolean', default: false },
    'fault-rate': { type: 'string' },
    'fault-seed': { type: 'string' },
    latency: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'acp-stripe-emulator: a local emulator of a subset of the Stripe API (NOT Stripe; test mode only).',
      '',
      '  --port N                 listen port (default 12111; 0 = any free port)',
      '  --host H                 listen host (default 127.0.0.1)',
      '  --public-url URL         base URL for hosted pages, if different',
      '  --webhook URL=SECRET     deliver signed webhooks to URL (repeatable)',
      '  --allow-raw-cards        accept raw test card numbers in API calls',
      '  --fault-rate P           inject faults into P of API requests (0..1)',
      '  --fault-seed N           seed for the fault PRNG',
      '  --latency MS             add latency to every API request',
      '',
      'Point stripe-node at it: new Stripe("sk_test_…", { host, port, protocol: "http" }).',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const webhooks: WebhookEndpoint[] = (values.webhook ?? []).map((spec) => {
  const i = spec.lastIndexOf('=');
  if (i <= 0) throw new Error(`--webhook expects URL=SECRET, got "${spec}"`);
  return { url: spec.slice(0, i), secret: spec.slice(i + 1) };
});

const emulator = await startStripeEmulator({
  port: Number(values.port),
  host: values.host,
  ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  webhooks,
  allowRawCards: values['allow-raw-cards'],
  faults: {
    ...(values['fault-rate'] ? { rate: Number(values['fault-rate']) } : {}),
    ...(values['fault-seed'] ? { seed: Number(values['fault-seed']) } : {}),
    ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
  },
});

process.stdout.write(
  `Stripe emulator (NOT Stripe) listening on ${emulator.url}\n` +
    `  stripe-node: new Stripe('sk_test_…', { host: '${emulator.host}', port: ${emulator.port}, protocol: 'http' })\n` +
    (webhooks.length ? `  webhooks → ${webhooks.map((w) => w.url).join(', ')}\n` : ''),
);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
