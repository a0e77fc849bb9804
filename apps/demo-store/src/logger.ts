// Structured JSON logs to stderr (stdout belongs to the MCP stdio protocol), with card data redacted.
import { type Logger, redactPans } from '@acp/core';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

const SENSITIVE_KEYS =
  /^(card(_?number)?|number|cvc|cvv|cvc2|exp_?(month|year)|expMonth|expYear|cardNumber|pan|secret|password|authorization|stripe_secret_key|api_key)$/i;

/** Core's Luhn check (one card-number detector for the whole toolkit). */
export { luhnValid } from '@acp/core';

export function redactText(text: string): string {
  return redactPans(text, '[REDACTED PAN]')
    .replace(/\b(sk|rk)_(live|test)_[A-Za-z0-9]{6,}/g, '$1_$2_[REDACTED]')
    .replace(/\bwhsec_[A-Za-z0-9]+/g, 'whsec_[REDACTED]');
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SENSITIVE_KEYS.test(k) ? '[REDACTED]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

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
