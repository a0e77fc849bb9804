#!/usr/bin/env node
// The demo store over stdio, for Claude Desktop and Cursor. Same data directory (or DATABASE_URL) as the
// HTTP server, so orders show on its dashboard. With the offline emulator, a loopback-only listener receives
// the emulator's webhooks (payment links). stdout is the MCP protocol: everything else goes to stderr.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveAcpStdio } from '@acp/mcp-stdio';
import { createDemoRuntime } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, redactText } from '../logger.js';

async function main() {
  const config = loadConfig(process.env, process.cwd(), 'stdio');
  const logger = createLogger(config.LOG_LEVEL).child({ app: 'demo-store', transport: 'stdio' });
  const runtime = await createDemoRuntime(config, logger);
  if (runtime.emulator) {
    const receiver = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/webhooks/stripe') {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const sig = req.headers['stripe-signature'];
        runtime
          .stripeWebhook(Buffer.concat(chunks), typeof sig === 'string' ? sig : undefined)
          .then((r) =>
            res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body)),
          )
          .catch(() => res.writeHead(500).end());
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiver.unref();
    runtime.setServerUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
  }
  serveAcpStdio(runtime.mcpFactory, { logger });
  process.stdin.on('end', () => {
    void runtime.close().finally(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else
    process.stderr.write(
      `could not start the demo store: ${redactText(e instanceof Error ? e.message : String(e))}\n`,
    );
  process.exit(1);
});
