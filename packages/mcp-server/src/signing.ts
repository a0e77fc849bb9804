// Optional ACP request signatures (rfc.agentic_checkout §3.1: `Signature` + `Timestamp`; the spec leaves the
// algorithm and canonicalization out of band, digest §9 A21). This toolkit's reading, published in the
// README: HMAC-SHA256 with a shared secret over the exact request body bytes (REST: the raw body; MCP
// binding: the canonical JSON of `payload`, or the empty string when there is none), the signature sent
// base64url (standard base64 and hex are accepted too), and `Timestamp` (RFC 3339) within a skew window.
// WebCrypto only, so this runs in every runtime the SDK supports; the comparison is `subtle.verify`
// (constant time).

export interface RequestSigningOptions {
  /** Shared HMAC secret(s). Several allow rotation: a signature valid under any of them is accepted. */
  secrets: readonly string[];
  /** Largest accepted distance between `Timestamp` and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Clock for the skew check (tests). Default `Date.now`. */
  now?: () => number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale_timestamp' | 'mismatch' };

const encoder = new TextEncoder();

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

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type Bytes = Parameters<typeof crypto.subtle.sign>[2];

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ]);
}

/** Checks `Signature`/`Timestamp` for a request body (bytes or text). */
export async function verifyRequestSignature(
  options: RequestSigningOptions,
  input: { signature: string | undefined; timestamp: string | undefined; body: Uint8Array | string },
): Promise<SignatureCheck> {
  if (!input.signature || !input.timestamp) return { ok: false, reason: 'missing' };
  const at = Date.parse(input.timestamp);
  const now = (options.now ?? Date.now)();
  const tolerance = (options.toleranceSeconds ?? 300) * 1000;
  if (!Number.isFinite(at) || Math.abs(now - at) > tolerance) return { ok: false, reason: 'stale_timestamp' };
  const sig = decodeSignature(input.signature);
  if (sig?.length !== 32) return { ok: false, reason: 'mismatch' };
  const data = typeof input.body === 'string' ? encoder.encode(input.body) : input.body;
  for (const secret of options.secrets) {
    const key = await hmacKey(secret, 'verify');
    if (await crypto.subtle.verify('HMAC', key, sig as Bytes, data as Bytes)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** Signs a body the way `verifyRequestSignature` expects (for agents, tests and examples): base64url. */
export async function signRequestBody(secret: string, body: Uint8Array | string): Promise<string> {
  const key = await hmacKey(secret, 'sign');
  const data = typeof body === 'string' ? encoder.encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, data as Bytes));
  let bin = '';
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
