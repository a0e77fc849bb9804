// ACP request signatures (rfc.agentic_checkout §2.1/§7: `Signature` + `Timestamp`, verified "with a bounded
// clock-skew window"). The spec leaves the algorithm and canonicalization out of band (digest §9 A21); this is
// the toolkit's published reading, modelled on the ACP webhook's `timestamp + "." + raw_body`
// (openapi.agentic_checkout_webhook.yaml) but binding the request line as well, so that a signature is valid
// for exactly one request:
//
//   string to sign = Timestamp "\n" METHOD "\n" path "\n" hex(SHA-256(body))
//   Signature      = base64url(HMAC-SHA256(secret, string to sign))   (standard base64 and hex accepted)
//
// REST: `METHOD` is the HTTP method, `path` the request path with its query string as sent (`/checkout_sessions/
// cs_1/cancel`), `body` the raw body bytes (empty for a GET). MCP: `METHOD` is `MCP`, `path` the tool name and
// `body` the canonical JSON of the tool arguments without `meta.signature`/`meta.timestamp` (so the session id,
// the payload and `meta.idempotency_key` are all covered). `Timestamp` is RFC 3339 and must lie within
// `toleranceSeconds` of the server clock, in the past or the future. A signature is accepted once: it is
// remembered (a replay store keyed by the MAC) until its timestamp leaves the window, so a captured request
// cannot be sent again. One module for both transports; WebCrypto only, so it runs in every runtime the SDK
// supports. The comparison is `subtle.verify` (constant time).
import { canonicalJson } from '@acp/core';

/**
 * Remembers signatures already accepted. `remember` must be atomic: it records `key` for `ttlMs` and resolves
 * `true`, or resolves `false` when `key` is already recorded (a replay). Several instances behind a load
 * balancer must share one (e.g. Redis `SET key 1 NX PX ttl`), or a signature could be replayed on another
 * instance within the window.
 */
export interface ReplayStore {
  remember(key: string, ttlMs: number): Promise<boolean> | boolean;
}

export interface RequestSigningOptions {
  /** Shared HMAC secret(s). Several allow rotation: a signature valid under any of them is accepted. */
  secrets: readonly string[];
  /** Largest accepted distance between `Timestamp` and now, in seconds, past or future. Default 300. */
  toleranceSeconds?: number;
  /** Clock for the skew check and the default replay store (tests). Default `Date.now`. */
  now?: () => number;
  /**
   * Where accepted signatures are remembered. Default: one in-memory store per options object (so REST and MCP
   * configured with the same object share it), bounded by `maxReplayEntries`. Share one store between instances.
   */
  replayStore?: ReplayStore;
  /** Bound of the default in-memory replay store. Default 100 000. */
  maxReplayEntries?: number;
}

export type SignatureFailure =
  | 'missing'
  | 'stale_timestamp'
  | 'mismatch'
  | 'replayed'
  /** The replay store could not record the signature (full, or it failed): refused, never let through. */
  | 'replay_store_unavailable';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

/** What a signature covers. */
export interface SignedRequest {
  /** RFC 3339, exactly as sent in `Timestamp` / `meta.timestamp`. */
  timestamp: string;
  /** HTTP method, or `MCP` for a tool call. */
  method: string;
  /** Request path with query (REST), or the tool name (MCP). */
  path: string;
  /** Raw body bytes (REST) or the canonical JSON of the tool arguments (MCP). */
  body: Uint8Array | string;
}

const encoder = new TextEncoder();
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_MAX_REPLAY_ENTRIES = 100_000;

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type Bytes = Parameters<typeof crypto.subtle.sign>[2];

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function decodeSignature(value: string): Uint8Array | undefined {
  const v = value.trim().replace(/^sha256=/i, '');
  if (/^[0-9a-f]{64}$/i.test(v)) {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number.parseInt(v.slice(i * 2, i * 2 + 2), 16);
    return out;
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return undefined;
  const b64 = v.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ]);
}

/** Hex SHA-256 (WebCrypto) of bytes, or of a string's UTF-8. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Bytes)));
}

/** The exact string that is signed: `timestamp \n METHOD \n path \n hex(sha256(body))`. */
export async function canonicalSigningString(request: SignedRequest): Promise<string> {
  return `${request.timestamp}\n${request.method.toUpperCase()}\n${request.path}\n${await sha256Hex(request.body)}`;
}

/**
 * The canonical JSON an MCP tool call is signed over: its arguments without `meta.signature` and
 * `meta.timestamp` (the timestamp is part of the signed string itself).
 */
export function mcpSigningBody(args: unknown): string {
  if (args === undefined || args === null) return '';
  if (typeof args === 'object' && !Array.isArray(args)) {
    const copy: Record<string, unknown> = { ...(args as Record<string, unknown>) };
    const meta = copy.meta;
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
      const { signature: _s, timestamp: _t, ...rest } = meta as Record<string, unknown>;
      copy.meta = rest;
    }
    return canonicalJson(copy);
  }
  return canonicalJson(args);
}

/** An in-memory replay store with a bound; full of live entries, it refuses (fails closed). */
export function createMemoryReplayStore(
  options: { maxEntries?: number; now?: () => number } = {},
): ReplayStore {
  const max = options.maxEntries ?? DEFAULT_MAX_REPLAY_ENTRIES;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  return {
    remember(key, ttlMs) {
      const t = now();
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      if (seen.size >= max) {
        for (const [k, u] of seen) if (u <= t) seen.delete(k);
        if (seen.size >= max) throw new Error('replay store full');
      }
      seen.delete(key);
      seen.set(key, t + ttlMs);
      return true;
    },
  };
}

const defaultStores = new WeakMap<RequestSigningOptions, ReplayStore>();
function replayStoreOf(options: RequestSigningOptions): ReplayStore {
  if (options.replayStore) return options.replayStore;
  let store = defaultStores.get(options);
  if (!store) {
    store = createMemoryReplayStore({
      ...(options.maxReplayEntries !== undefined ? { maxEntries: options.maxReplayEntries } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    defaultStores.set(options, store);
  }
  return store;
}

/**
 * Checks `Signature`/`Timestamp` of one request: present, timestamp RFC 3339 and within the window (past or
 * future), MAC over the canonical string under one of the secrets, and not seen before (then remembered).
 */
export async function verifyRequestSignature(
  options: RequestSigningOptions,
  input: Omit<SignedRequest, 'timestamp'> & { signature: string | undefined; timestamp: string | undefined },
): Promise<SignatureCheck> {
  if (!input.signature || !input.timestamp) return { ok: false, reason: 'missing' };
  const at = RFC3339.test(input.timestamp) ? Date.parse(input.timestamp) : Number.NaN;
  const now = (options.now ?? Date.now)();
  const tolerance = (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS) * 1000;
  if (!Number.isFinite(at) || Math.abs(now - at) > tolerance) return { ok: false, reason: 'stale_timestamp' };
  const sig = decodeSignature(input.signature);
  if (sig?.length !== 32) return { ok: false, reason: 'mismatch' };
  const data = encoder.encode(await canonicalSigningString({ ...input, timestamp: input.timestamp }));
  let valid = false;
  for (const secret of options.secrets) {
    const key = await hmacKey(secret, 'verify');
    if (await crypto.subtle.verify('HMAC', key, sig as Bytes, data as Bytes)) {
      valid = true;
      break;
    }
  }
  if (!valid) return { ok: false, reason: 'mismatch' };
  // Only a valid signature is remembered (a forger cannot fill the store), until its timestamp leaves the
  // window: after that the skew check refuses it anyway. The key is the MAC itself, so hex, base64 and
  // base64url spellings of one signature are one entry.
  try {
    const fresh = await replayStoreOf(options).remember(`acp-sig:${toHex(sig)}`, at + tolerance - now + 1000);
    return fresh ? { ok: true } : { ok: false, reason: 'replayed' };
  } catch {
    return { ok: false, reason: 'replay_store_unavailable' };
  }
}

async function hmacBase64Url(secret: string, text: string): Promise<string> {
  const key = await hmacKey(secret, 'sign');
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text) as Bytes));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Client side of REST signing (agents, tests, examples): the `Signature` and `Timestamp` headers for one
 * request. `url` is the absolute URL or the path (with query) the request is sent to; `body` the exact bytes
 * sent (omit for a GET or an empty body). Sign every request anew: a signature is accepted once.
 *
 * ```ts
 * const body = JSON.stringify(payload);
 * const { signature, timestamp } = await signRequest(secret, { method: 'POST', url, body });
 * await fetch(url, { method: 'POST', body, headers: { Signature: signature, Timestamp: timestamp, … } });
 * ```
 */
export async function signRequest(
  secret: string,
  request: { method: string; url: string; body?: Uint8Array | string; timestamp?: string | Date },
): Promise<{ signature: string; timestamp: string }> {
  const parsed = new URL(request.url, 'http://signing.invalid');
  const timestamp =
    typeof request.timestamp === 'string'
      ? request.timestamp
      : (request.timestamp ?? new Date()).toISOString();
  const text = await canonicalSigningString({
    timestamp,
    method: request.method,
    path: `${parsed.pathname}${parsed.search}`,
    body: request.body ?? '',
  });
  return { signature: await hmacBase64Url(secret, text), timestamp };
}

/**
 * Client side of MCP signing: `meta.signature`/`meta.timestamp` for an ACP binding tool call (put them in
 * `arguments.meta`), or `_meta["dev.acp/signature"]`/`_meta["dev.acp/timestamp"]` for the other tools. Signs the
 * arguments exactly as they will be sent (any `meta.signature`/`meta.timestamp` in them are ignored).
 */
export async function signMcpToolCall(
  secret: string,
  call: { name: string; arguments?: unknown; timestamp?: string | Date },
): Promise<{ signature: string; timestamp: string }> {
  const timestamp =
    typeof call.timestamp === 'string' ? call.timestamp : (call.timestamp ?? new Date()).toISOString();
  const text = await canonicalSigningString({
    timestamp,
    method: 'MCP',
    path: call.name,
    body: mcpSigningBody(call.arguments),
  });
  return { signature: await hmacBase64Url(secret, text), timestamp };
}
