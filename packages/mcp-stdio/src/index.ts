// @acp/mcp-stdio: serve the ACP MCP server factory over stdio (Claude Desktop, Cursor). stdout is the
// JSON-RPC channel: every log line goes to stderr, and stray `console.log` calls are redirected there.
import type { Logger } from '@acp/core';
import { type AcpMcpServerFactory, redact, redactText } from '@acp/mcp-server';
import {
  type ServeStdioOptions,
  type StdioServerHandle,
  serveStdio,
} from '@modelcontextprotocol/server/stdio';

export { createDemoFactory, type DemoOptions } from './demo.js';

/**
 * A logger that writes one JSON line per entry to stderr, with card numbers, card fields and Stripe secrets
 * redacted (the same redaction as every other log path of the toolkit).
 */
export function stderrLogger(
  name = 'acp-mcp-stdio',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const log = (level: string, message: string, fields?: Record<string, unknown>) => {
    const entry = { level, name, message: redactText(message), ...(redact(fields ?? {}) as object) };
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

export interface ServeAcpStdioOptions {
  logger?: Logger;
  /** Keep `console.log`/`info`/`debug` on stdout (default: redirected to stderr, stdout is the protocol). */
  keepConsole?: boolean;
  /** `'reject'` serves 2026-07-28 clients only. Default `'serve'` (2025-era clients too). */
  legacy?: ServeStdioOptions['legacy'];
}

/**
 * Sends `console.log`/`info`/`debug`/`warn`/`error` to stderr (stdout is the protocol), with the same redaction
 * as {@link stderrLogger}.
 */
export function redirectConsoleToStderr(
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  const toStderr = (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(redact(a)))).join(' ');
    write(`${redactText(text)}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  console.error = toStderr;
}

/** Serves `factory` on this process's stdin/stdout until stdin closes. */
export function serveAcpStdio(
  factory: AcpMcpServerFactory,
  options: ServeAcpStdioOptions = {},
): StdioServerHandle {
  const logger = options.logger ?? stderrLogger();
  if (!options.keepConsole) redirectConsoleToStderr();
  return serveStdio((ctx) => factory(ctx), {
    ...(options.legacy ? { legacy: options.legacy } : {}),
    onerror: (error) => logger.warn('stdio transport error', { error: error.message }),
  });
}
