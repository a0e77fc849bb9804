// Everything a run can leak through, captured raw (NOT redacted): logger calls of every package, console and
// stderr output, HTTP responses, tool results and thrown errors. The leak scans read `texts()`.
import type { Logger } from '@acp/core';

/** JSON of anything, including Errors (name, message, code, param, cause chain) and cycles. */
export function describeValue(value: unknown): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Error) {
        const e = v as Error & Record<string, unknown>;
        const out: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack };
        for (const k of Object.keys(e)) out[k] = e[k];
        if (e.cause !== undefined) out.cause = e.cause;
        return out;
      }
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return v;
    }) ?? String(value)
  );
}

export interface Capture {
  readonly logger: Logger & {
    info(message: string, fields?: Record<string, unknown>): void;
    debug(message: string, fields?: Record<string, unknown>): void;
  };
  /** Record any other text (a response body, a tool result, an error message). */
  record(source: string, value: unknown): void;
  texts(): { source: string; text: string }[];
  /** Number of logger calls, by level. */
  readonly logCounts: Record<'debug' | 'info' | 'warn' | 'error', number>;
  /** Also capture console.* and process.stderr/stdout writes until `restore()`. */
  captureConsole(): void;
  restore(): void;
}

export function createCapture(): Capture {
  const entries: { source: string; text: string }[] = [];
  const logCounts = { debug: 0, info: 0, warn: 0, error: 0 };
  const restorers: (() => void)[] = [];
  const log = (level: keyof typeof logCounts) => (message: string, fields?: Record<string, unknown>) => {
    logCounts[level]++;
    entries.push({ source: `log.${level}`, text: describeValue({ message, fields }) });
  };
  return {
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    logCounts,
    record(source, value) {
      entries.push({ source, text: typeof value === 'string' ? value : describeValue(value) });
    },
    texts: () => entries,
    captureConsole() {
      for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
        const original = console[method];
        console[method] = (...args: unknown[]) => {
          entries.push({ source: `console.${method}`, text: describeValue(args) });
          original.apply(console, args);
        };
        restorers.push(() => {
          console[method] = original;
        });
      }
      for (const stream of [process.stderr, process.stdout]) {
        const original = stream.write;
        const name = stream === process.stderr ? 'stderr' : 'stdout';
        stream.write = ((chunk: unknown, ...rest: unknown[]) => {
          entries.push({
            source: name,
            text: typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
          });
          return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
        }) as typeof stream.write;
        restorers.push(() => {
          stream.write = original;
        });
      }
    },
    restore() {
      for (const r of restorers.splice(0).reverse()) r();
    },
  };
}
