// Configuration from the environment, validated with clear errors. Only this app reads process.env.
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  ACP_DATA_DIR: z.string().min(1).optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(
      /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
      'must look like sk_test_…, sk_live_…, rk_test_… or rk_live_…',
    )
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_\S+$/, 'must look like whsec_…')
    .optional(),
  ACP_API_KEYS: z
    .string()
    .optional()
    .transform((v) => parseApiKeys(v ?? ''))
    .refine((keys) => keys.every((k) => k.key.length >= 16), 'each API key must be at least 16 characters')
    .refine(
      (keys) => keys.every((k) => k.id !== 'internal' && k.id !== 'local'),
      'the key ids "internal" and "local" are reserved',
    )
    .refine(
      (keys) => new Set(keys.map((k) => k.id ?? k.key)).size === keys.length,
      'each API key id must be unique',
    ),
  ACP_ALLOW_RAW_TEST_CARDS: bool.default(false),
  ACP_ALLOW_UNAUTHENTICATED: bool.default(false),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  ACP_SIGNING_SECRET: z.string().min(16).optional(),
  /**
   * The merchant's credential for the dashboard and any order page (HTTP Basic password with any user name, or
   * `Authorization: Bearer`). Agent keys never open them.
   */
  ACP_MERCHANT_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Secret of the order permalinks' MAC (default: generated into the data directory). */
  ACP_ORDER_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

export interface ConfiguredKey {
  /** The caller identity (sessions are bound to it). Absent: derived from a hash of the key. */
  id?: string;
  key: string;
}

/**
 * `ACP_API_KEYS`: comma-separated `id:secret` (e.g. `agent_a:…,agent_b:…`) or bare `secret` entries (the
 * identity is then a hash prefix of the secret). An id is 1–64 of `A-Z a-z 0-9 _ . -`.
 */
export function parseApiKeys(value: string): ConfiguredKey[] {
  return value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0)
    .map((entry) => {
      const m = /^([A-Za-z0-9_.-]{1,64}):(.+)$/.exec(entry);
      return m ? { id: m[1]!, key: m[2]!.trim() } : { key: entry };
    });
}

const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

export type DemoEnv = z.infer<typeof EnvSchema>;

export interface DemoConfig extends DemoEnv {
  dataDir: string;
  publicUrl: string;
  /** `emulator` when no Stripe key is set: payments are simulated. */
  payments: 'emulator' | 'stripe-test' | 'stripe-live';
  /**
   * Who opens the dashboard (and any order page without its link token): `open` only for unauthenticated local
   * work (no agent keys, loopback HOST and PUBLIC_URL, no live key); `merchant_key` with ACP_MERCHANT_KEY;
   * otherwise `disabled` (agent keys never open it).
   */
  dashboard: 'open' | 'merchant_key' | 'disabled';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment; throws ConfigError listing every problem (never echoing secret values). The HTTP
 * rules (keys required when reachable beyond loopback or with a live key) apply to the `http` entry only.
 */
export function loadConfig(
  rawEnv: Record<string, string | undefined>,
  cwd: string,
  entry: 'http' | 'stdio' = 'http',
): DemoConfig {
  // An empty variable means "not set" (launchers such as .mcpb bundles pass empty strings for unset options).
  const env = Object.fromEntries(
    Object.entries(rawEnv).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'} ${i.message}`);
  // Cross-field rules, checked even when single fields are wrong so that every problem is listed at once.
  const host = env.HOST || '127.0.0.1';
  const keys = parseApiKeys(env.ACP_API_KEYS ?? '');
  const live = /^(sk|rk)_live_/.test(env.STRIPE_SECRET_KEY ?? '');
  const optOut = bool.safeParse(env.ACP_ALLOW_UNAUTHENTICATED ?? '').data === true;
  let publicHost: string | undefined;
  try {
    publicHost = env.PUBLIC_URL ? new URL(env.PUBLIC_URL).hostname : undefined;
  } catch {
    publicHost = undefined; // reported by the schema
  }
  if (entry === 'http' && keys.length === 0) {
    // Closed by default: whatever can reach the store beyond this machine, or takes real money, needs keys.
    if (!isLoopback(host)) {
      problems.push(`ACP_API_KEYS is required when HOST (${host}) is not a loopback address`);
    } else if (live) {
      problems.push('ACP_API_KEYS is required with a live STRIPE_SECRET_KEY');
    } else if (publicHost !== undefined && !isLoopback(publicHost) && !optOut) {
      problems.push(
        `ACP_API_KEYS is required when PUBLIC_URL (${publicHost}) is not a loopback address (a proxy or tunnel makes the store public); for local work only, ACP_ALLOW_UNAUTHENTICATED=true opts out`,
      );
    }
  }
  if (optOut && live) {
    problems.push('ACP_ALLOW_UNAUTHENTICATED cannot be used with a live STRIPE_SECRET_KEY');
  }
  if (live && bool.safeParse(env.ACP_ALLOW_RAW_TEST_CARDS ?? '').data === true) {
    problems.push(
      'ACP_ALLOW_RAW_TEST_CARDS must not be set with a live STRIPE_SECRET_KEY (raw test cards exist in test mode only)',
    );
  }
  const merchantKey = env.ACP_MERCHANT_KEY?.trim();
  if (merchantKey && keys.some((k) => k.key === merchantKey)) {
    problems.push(
      'ACP_MERCHANT_KEY must differ from every ACP_API_KEYS key (agent keys never open the dashboard)',
    );
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    problems.push('STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = e.ACP_DATA_DIR
    ? isAbsolute(e.ACP_DATA_DIR)
      ? e.ACP_DATA_DIR
      : resolve(cwd, e.ACP_DATA_DIR)
    : resolve(cwd, '.acp-data');
  const hostForUrl = e.HOST.includes(':') && !e.HOST.startsWith('[') ? `[${e.HOST}]` : e.HOST;
  const payments = !e.STRIPE_SECRET_KEY
    ? 'emulator'
    : /_live_/.test(e.STRIPE_SECRET_KEY)
      ? 'stripe-live'
      : 'stripe-test';
  const localOnly =
    e.ACP_API_KEYS.length === 0 &&
    isLoopback(host) &&
    (publicHost === undefined || isLoopback(publicHost)) &&
    payments !== 'stripe-live';
  return {
    ...e,
    dataDir,
    dashboard: e.ACP_MERCHANT_KEY ? 'merchant_key' : localOnly ? 'open' : 'disabled',
    publicUrl: (
      e.PUBLIC_URL ?? `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${e.PORT}`
    ).replace(/\/$/, ''),
    payments,
  };
}
