#!/usr/bin/env node
// The demo store's HTTP server: MCP at /mcp, ACP REST, discovery, the Stripe webhook and the dashboard.
import { createAcpNodeServer } from '@acp/mcp-http/node';
import { createDemoRuntime } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { connectionHelp } from '../connect.js';
import { createDemoHttpHandler } from '../http.js';
import { createLogger, redactText } from '../logger.js';

async function main() {
  const config = loadConfig(process.env, process.cwd());
  const logger = createLogger(config.LOG_LEVEL).child({ app: 'demo-store' });
  const runtime = await createDemoRuntime(config, logger);
  const server = createAcpNodeServer(createDemoHttpHandler(runtime, logger));
  const url = await server.listen({ port: config.PORT, host: config.HOST });
  runtime.setServerUrl(url);
  process.stderr.write(`listening on ${url}\n`);
  process.stderr.write(`${connectionHelp(config, url)}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await server.close().catch(() => {});
    await runtime.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else
    process.stderr.write(
      `could not start the demo store: ${redactText(e instanceof Error ? e.message : String(e))}\n`,
    );
  process.exit(1);
});
