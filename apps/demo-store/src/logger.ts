// Structured JSON logs to stderr (stdout belongs to the MCP stdio protocol), with card data redacted.
import type { Logger } from '@acp/core';
import { redact, redactText } from '@acp/mcp-server';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

// One redaction for every log path (this logger and the stdio transport's): @acp/mcp-server's.
export { luhnValid, redact, redactText } from '@acp/mcp-server';

export interface DemoLogger extends Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): DemoLogger;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  base: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): DemoLogger {
  const min = LEVELS[level];
  const log = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    const entry = {
      time: now().toISOString(),
      level: lvl,
      msg: redactText(message),
      ...(redact({ ...base, ...fields }) as object),
    };
    write(JSON.stringify(entry));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger(level, write, { ...base, ...fields }, now),
  };
}
