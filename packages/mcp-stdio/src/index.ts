// @acp/mcp-stdio: serve the ACP MCP server factory over stdio (Claude Desktop, Cursor). stdout is the
// JSON-RPC channel: every log line goes to stderr, and stray `console.log` calls are redirected there.
import type { Logger } from '@acp/core';
import type { AcpMcpServerFactory } from '@acp/mcp-server';
import {
  type ServeStdioOptions,
  type StdioServerHandle,
  serveStdio,
} from '@modelcontextprotocol/server/stdio';

export { createDemoFactory, type DemoOptions } from './demo.js';

/** A logger that writes one JSON line per entry to stderr. */
export function stderrLogger(name = 'acp-mcp-stdio'): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    process.stderr.write(`${JSON.stringify({ level, name, message, ...(fields ?? {}) })}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export interface ServeAcpStdioOptions {
  logger?: Logger;
  /** Keep `console.log`/`info`/`debug` on stdout (default: redirected to stderr, stdout is the protocol). */
  keepConsole?: boolean;
  /** `'reject'` serves 2026-07-28 clients only. Default `'serve'` (2025-era clients too). */
  legacy?: ServeStdioOptions['legacy'];
}

/** Serves `factory` on this process's stdin/stdout until stdin closes. */
export function serveAcpStdio(
  factory: AcpMcpServerFactory,
  options: ServeAcpStdioOptions = {},
): StdioServerHandle {
  const logger = options.logger ?? stderrLogger();
  if (!options.keepConsole) {
    const toStderr = (...args: unknown[]) => {
      process.stderr.write(`${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
    };
    console.log = toStderr;
    console.info = toStderr;
    console.debug = toStderr;
  }
  return serveStdio((ctx) => factory(ctx), {
    ...(options.legacy ? { legacy: options.legacy } : {}),
    onerror: (error) => logger.warn('stdio transport error', { error: error.message }),
  });
}
