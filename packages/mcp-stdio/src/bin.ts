#!/usr/bin/env node
// acp-mcp-stdio: serve an ACP checkout MCP server over stdio.
//   acp-mcp-stdio --demo                 in-memory demo store (test payments only)
//   acp-mcp-stdio --module ./server.js   a module exporting `createFactory()` (sync or async) returning an
//                                        AcpMcpServerFactory, or the factory itself as `default`
// Everything but the protocol goes to stderr.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AcpMcpServerFactory } from '@acp/mcp-server';
import { createDemoFactory, serveAcpStdio, stderrLogger } from './index.js';

const logger = stderrLogger();

async function loadFactory(argv: string[]): Promise<AcpMcpServerFactory> {
  const i = argv.indexOf('--module');
  const path = i >= 0 ? argv[i + 1] : process.env.ACP_MCP_MODULE;
  if (!path) {
    logger.info?.('serving the in-memory demo store (test payments only)');
    return createDemoFactory({ logger });
  }
  const mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  const factory =
    typeof mod.createFactory === 'function' ? await (mod.createFactory as () => unknown)() : mod.default;
  if (typeof factory !== 'function')
    throw new Error(`${path} exports neither createFactory() nor a default factory`);
  return factory as AcpMcpServerFactory;
}

try {
  const factory = await loadFactory(process.argv.slice(2));
  serveAcpStdio(factory, { logger });
} catch (e) {
  logger.error('could not start', { error: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
}
