// The HTTP surface on one origin, as a web-standard `Request → Response` handler: ACP REST
// (`/checkout_sessions…`), stateless Streamable HTTP MCP (`/mcp`, 2025-era and 2026-07-28 clients),
// `/.well-known/acp.json` and a payment webhook mount. It translates HTTP to `CheckoutService` calls and back;
// every checkout rule (API-Version, Idempotency-Key, validation, statuses) is decided by `@acp/core`.
import {
  AcpError,
  type AcpErrorCode,
  type AcpWireError,
  buildDiscoveryDocument,
  type CatalogV1,
  type CheckoutService,
  echoRedacted,
  INTERNAL_CALLER,
  type Logger,
  type RequestContext,
  redactPans,
  type ServiceResult,
  toWireError,
} from '@acp/core';
import {
  type AcpMcpServerFactory,
  createAcpMcpServerFactory,
  LOCAL_CALLER,
  type RequestSigningOptions,
  requestSigningOf,
  type TestPaymentsProvider,
  verifyRequestSignature,
} from '@acp/mcp-server';
import {
  type AuthInfo,
  createMcpHandler,
  localhostAllowedHostnames,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';

export interface ApiKey {
  /**
   * Identity the key authenticates: idempotency keys are scoped to it and sessions, orders and payment links
   * are bound to it (another key's caller gets 404). Never the key itself. Default: `key_` + the first 12 hex
   * digits of the key's SHA-256, stable across restarts and key order. `internal` is reserved.
   */
  id?: string;
  key: string;
}

export interface WebhookMount {
  /** Default `/webhooks/payments`. */
  path?: string;
  /** Header carrying the PSP signature. Default `stripe-signature`. */
  signatureHeader?: string;
  /** Verifies and applies the event (e.g. `@acp/stripe`'s webhook handler). Gets the raw body bytes. */
  handle(
    rawBody: Uint8Array,
    signatureHeader: string | null,
  ): Promise<{ status: number; body?: unknown }> | { status: number; body?: unknown };
}

export interface AcpHttpOptions {
  service: CheckoutService;
  /** Catalog for the MCP shopper tools (`search_products`, `get_product`). */
  catalog?: CatalogV1;
  /** Test-mode payments for `collect_payment_info` (ignored when `mcp` is a factory). */
  testPayments?: TestPaymentsProvider;
  /** The MCP server factory served at `/mcp`; built from the options above by default; `false` disables MCP. */
  mcp?: AcpMcpServerFactory | false;
  /** Bearer API keys accepted on REST and MCP (compared in constant time). */
  apiKeys?: readonly ApiKey[];
  /**
   * Custom bearer verification (OAuth introspection, JWT…): return the identity, or undefined to reject. Its
   * `clientId` is the caller sessions are bound to: an AuthInfo without a non-empty `clientId` (or with the
   * reserved `internal`/`local`) is refused with 401.
   */
  verifyToken?: (token: string, request: Request) => Promise<AuthInfo | undefined> | AuthInfo | undefined;
  /**
   * Hostnames accepted in `Host` (DNS-rebinding protection), port-agnostic. Default: localhost names only;
   * set your public hostname(s) when deploying, or `'any'` behind a proxy that validates Host itself.
   */
  allowedHosts?: readonly string[] | 'any';
  /** Hostnames accepted in a browser `Origin` header. Default: the allowed hosts. */
  allowedOrigins?: readonly string[];
  /** Largest request body in bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Require ACP request signatures on REST and `/mcp` alike: `Signature` + `Timestamp` (REST headers, MCP
   * `meta`), HMAC-SHA256 over `timestamp\nMETHOD\npath\nsha256(body)`, within the skew window, each accepted
   * once (see `signRequest`, `signMcpToolCall`). The default MCP factory gets the same options; a custom
   * `mcp` factory must have been built with this same options object, or construction throws.
   */
  requestSigning?: RequestSigningOptions;
  /** Public base URL for discovery's `api_base_url`. Default: the request's origin. */
  publicUrl?: string;
  /** `/.well-known/acp.json` extras. */
  discovery?: { documentationUrl?: string; locales?: string[] } | false;
  webhook?: WebhookMount;
  /**
   * Per-caller token bucket on REST and `/mcp`: past it, 429 with `Retry-After`, before anything runs. Every
   * JSON-RPC message of a `/mcp` batch takes a token; a batch is refused whole when the caller has not enough
   * left. Without authentication (`allowUnauthenticated`, loopback) every client shares one bucket. Default:
   * on (60 burst, 5/s) when the handler is reachable beyond loopback (a non-loopback `publicUrl` or allowed
   * Host, or `listen()` on a non-loopback address), off on loopback. `false` disables.
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Serve without authentication although the handler is publicly reachable (a non-loopback `publicUrl` or
   * allowed Host, e.g. a tunnel for local work). Logged as a warning at construction. Without it, such a
   * handler with neither `apiKeys` nor `verifyToken` is refused at construction (`AcpHttpConfigError`
   * `unauthenticated_public_handler`), whatever serves it. Never lets `listen()` bind a non-loopback address
   * without keys.
   */
  allowUnauthenticated?: boolean;
  logger?: Logger;
}

export interface RateLimitOptions {
  /** Requests a caller may send at once. Default 60. */
  burst?: number;
  /** Sustained requests per second per caller. Default 5. */
  perSecond?: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

export interface AcpHttpHandler {
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
  /** True when API keys or a verifier are configured. */
  readonly authenticated: boolean;
  readonly allowedHosts: readonly string[] | 'any';
  /** True when `publicUrl` or an allowed Host is not loopback: then authentication is required. */
  readonly publiclyReachable?: boolean;
  /** The explicit opt-out of authentication for a publicly reachable handler (see the option). */
  readonly allowUnauthenticated?: boolean;
  /** Whether the per-caller rate limit is on. */
  readonly rateLimited?: boolean;
  /**
   * The handler's DNS-rebinding check (allowed `Host`, browser `Origin`) for routes served next to it (e.g. an
   * app's own pages): the 403 to send, or `undefined` when the request may proceed.
   */
  checkHostAndOrigin?(request: Request): Response | undefined;
}

/**
 * A handler configuration that is refused at construction (`code` says which rule): e.g. a publicly reachable
 * handler without authentication, a reserved API key id, or an MCP factory that does not check the signing
 * option. A `TypeError`, so existing `instanceof TypeError` checks keep working.
 */
export class AcpHttpConfigError extends TypeError {
  constructor(
    readonly code: 'unauthenticated_public_handler' | 'reserved_key_id' | 'signing_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'AcpHttpConfigError';
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * A request as the handler reads it: a web `Request`, or (from the node:http adapter) a view of the Node
 * request that only builds a `Request` when one is needed (MCP, `verifyToken`).
 */
export interface NodeIncoming {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  /** The body up to `limit` bytes; `undefined` when it is larger. */
  readBody(limit: number): Promise<Uint8Array | undefined>;
  /** A web `Request` with the same method, URL and headers, without the body. */
  toRequest(): Request;
}
type Incoming = Request | NodeIncoming;

/** A JSON answer not yet turned into a web `Response` (the node adapter writes it directly). */
export interface PlainAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export type Answer = PlainAnswer | Response;

function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  text?: string,
): PlainAnswer {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: text ?? JSON.stringify(body) };
}

function toResponse(answer: Answer): Response {
  return answer instanceof Response
    ? answer
    : new Response(answer.body, { status: answer.status, headers: answer.headers });
}

const internalHandlers = new WeakMap<AcpHttpHandler, (request: Incoming) => Promise<Answer>>();
const rateLimitSwitches = new WeakMap<AcpHttpHandler, () => void>();

/** The handler's request path without web `Request`/`Response` objects, for the node adapter (internal). */
export function plainHandlerOf(
  handler: AcpHttpHandler,
): ((request: NodeIncoming) => Promise<Answer>) | undefined {
  return internalHandlers.get(handler);
}

/** Turns the default rate limit on (the node adapter, when it binds beyond loopback). Internal. */
export function enableDefaultRateLimit(handler: AcpHttpHandler): void {
  rateLimitSwitches.get(handler)?.();
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `127.0.0.0/8`, `localhost`, `::1`. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Per-caller token buckets, bounded (the oldest caller is forgotten first). */
function createRateLimiter(options: RateLimitOptions) {
  const burst = options.burst ?? 60;
  const perSecond = options.perSecond ?? 5;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /**
     * Takes `n` tokens for `caller`, all or none; returns the seconds to wait when there are not enough (a batch
     * larger than the burst can never pass: the wait is then a full refill).
     */
    take(caller: string, n = 1): number | undefined {
      const t = now();
      let b = buckets.get(caller);
      if (b) {
        b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
        b.at = t;
      } else {
        if (buckets.size >= 10_000) buckets.delete(buckets.keys().next().value!);
        b = { tokens: burst, at: t };
        buckets.set(caller, b);
      }
      if (b.tokens >= n) {
        b.tokens -= n;
        return undefined;
      }
      return Math.max(1, Math.ceil((Math.min(n, burst) - b.tokens) / perSecond));
    },
    burst,
  };
}

function acpError(code: AcpErrorCode, message: string, headers: Record<string, string> = {}, param?: string) {
  const err = new AcpError(code, message, param ? { param } : {});
  return json(err.status, toWireError(err), headers);
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}) {
  return json(status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/** Reads the body up to `limit` bytes; `undefined` when it is larger. */
async function readBody(request: Incoming, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limit) return undefined;
  if (!(request instanceof Request)) return request.readBody(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Constant-time equality of two fixed-length digests. */
function digestEquals(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i] ?? 0);
  return diff === 0;
}

/** The default identity of a key without an `id`: a hash prefix, never the key. */
export async function defaultKeyId(key: string): Promise<string> {
  let hex = '';
  for (const b of (await sha256(key)).slice(0, 6)) hex += b.toString(16).padStart(2, '0');
  return `key_${hex}`;
}

/**
 * A request path as written to logs (never to answers: a 404 does not quote the path): percent-decoded
 * leniently (every valid `%XX` escape, even next to a malformed one; bytes that are not UTF-8 become U+FFFD)
 * and passed through `redactPans`, so a card number in a URL (`/cards/%ZZ4242%204242…`,
 * `/cards/4242+4242…`) is never repeated. At most 256 characters.
 */
function echoPath(path: string): string {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < path.length; i++) {
    const hex = path[i] === '%' ? path.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...utf8.encode(path[i]!));
  }
  return echoRedacted(new TextDecoder().decode(new Uint8Array(bytes)));
}

/** The answer to a request for a route that does not exist; the path is not quoted (it may hold anything). */
function unknownRoute(method: string): Answer {
  return acpError(
    'not_found',
    `Unknown route for a ${echoRedacted(method, 16)} request. The ACP REST API is under /checkout_sessions.`,
  );
}

function isJson(contentType: string | null): boolean {
  if (!contentType) return false;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
}

function webRequest(request: Incoming): Request {
  return request instanceof Request ? request : request.toRequest();
}

const EMPTY_BODY = new Uint8Array(0);

/** Headers a reverse proxy adds (RFC 7239 `Forwarded` and the de-facto `X-Forwarded-*` / `X-Real-IP`). */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'];

const SESSION_PATH = /^\/checkout_sessions\/([^/]+)(?:\/(complete|cancel))?\/?$/;

export function createAcpHttpHandler(options: AcpHttpOptions): AcpHttpHandler {
  const { service } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const allowedHosts = options.allowedHosts ?? localhostAllowedHostnames();
  const allowedOrigins = options.allowedOrigins ?? (allowedHosts === 'any' ? undefined : allowedHosts);
  const apiKeys = options.apiKeys ?? [];
  for (const k of apiKeys) {
    if (k.id === INTERNAL_CALLER || k.id === LOCAL_CALLER) {
      throw new AcpHttpConfigError('reserved_key_id', `API key id "${k.id}" is reserved; choose another id.`);
    }
  }
  const authenticated = apiKeys.length > 0 || options.verifyToken !== undefined;
  // Digests and identities of the configured keys, computed once (WebCrypto is asynchronous).
  let keyTable: Promise<{ id: string; digest: Uint8Array }[]> | undefined;
  const keysOnce = () => {
    keyTable ??= Promise.all(
      apiKeys.map(async (k) => ({ id: k.id ?? (await defaultKeyId(k.key)), digest: await sha256(k.key) })),
    );
    return keyTable;
  };
  const webhookPath = options.webhook ? (options.webhook.path ?? '/webhooks/payments') : undefined;
  const publiclyReachable =
    (options.publicUrl !== undefined && !isLoopbackHost(new URL(options.publicUrl).hostname)) ||
    allowedHosts === 'any' ||
    allowedHosts.some((h) => !isLoopbackHost(h));
  const allowUnauthenticated = options.allowUnauthenticated === true;
  if (publiclyReachable && !authenticated && !allowUnauthenticated) {
    // Closed by default wherever the handler runs (Workers, Bun, Deno, a custom server), not only in listen().
    throw new AcpHttpConfigError(
      'unauthenticated_public_handler',
      'This handler is publicly reachable (a non-loopback publicUrl or allowed Host) but has no authentication: configure apiKeys or verifyToken, or, for local work only, allowUnauthenticated: true.',
    );
  }
  if (publiclyReachable && !authenticated && allowUnauthenticated) {
    options.logger?.warn(
      'UNAUTHENTICATED: this checkout API is publicly reachable and accepts requests without a key (allowUnauthenticated). Anyone who can reach it can create, read and pay sessions. For local work only.',
    );
  }
  let limiter =
    options.rateLimit === false
      ? undefined
      : options.rateLimit || publiclyReachable
        ? createRateLimiter(options.rateLimit || {})
        : undefined;
  const enableLimit = () => {
    if (!limiter && options.rateLimit !== false) limiter = createRateLimiter(options.rateLimit || {});
  };
  /** 429 (and its Retry-After) when `caller` has no token left; nothing has been read or changed yet. */
  function limited(caller: string, isMcp: boolean, n = 1, batch = 1): Answer | undefined {
    const wait = limiter?.take(caller, n);
    if (wait === undefined) return undefined;
    const headers = { 'retry-after': String(wait) };
    const message =
      batch > limiter!.burst
        ? `A batch of ${batch} JSON-RPC messages is more than this server accepts at once (${limiter!.burst}); send smaller batches.`
        : `Too many requests; retry in ${wait} s.`;
    if (!isMcp) return acpError('rate_limited', message, headers);
    const err = toWireError(new AcpError('rate_limited', message));
    return json(429, { jsonrpc: '2.0', error: { code: -32000, message, data: err }, id: null }, headers);
  }
  if (options.requestSigning && options.mcp && requestSigningOf(options.mcp) !== options.requestSigning) {
    // One signing rule for REST and MCP: a /mcp that skips (or checks differently) what REST enforces would
    // be a way around it.
    throw new AcpHttpConfigError(
      'signing_mismatch',
      'requestSigning is set but the mcp factory does not verify the same signatures: build it with createAcpMcpServerFactory({ …, requestSigning }) using the same options object, or leave `mcp` unset.',
    );
  }
  const factory =
    options.mcp === false
      ? undefined
      : (options.mcp ??
        createAcpMcpServerFactory({
          service,
          ...(options.catalog ? { catalog: options.catalog } : {}),
          ...(options.testPayments ? { testPayments: options.testPayments } : {}),
          ...(options.requestSigning ? { requestSigning: options.requestSigning } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
        }));
  const mcp = factory
    ? createMcpHandler((ctx) => factory(ctx), {
        maxRequestBodySize: maxBody,
        onerror: (e) => options.logger?.warn('mcp transport error', { error: e.message }),
      })
    : undefined;

  async function authenticate(request: Incoming): Promise<AuthInfo | undefined | 'denied'> {
    if (!authenticated) return undefined;
    const header = request.headers.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return 'denied';
    const token = m[1]!;
    const presented = await sha256(token);
    let matched: string | undefined;
    for (const k of await keysOnce()) {
      // Every key is compared over fixed-length digests (no early exit, no length leak).
      if (digestEquals(presented, k.digest) && matched === undefined) matched = k.id;
    }
    if (matched !== undefined) return { token, clientId: matched, scopes: [] };
    if (options.verifyToken) {
      try {
        const info = await options.verifyToken(token, webRequest(request));
        // Sessions are bound to `clientId`: without one, every such user would share one identity. `internal`
        // and `local` are the identities of the merchant and of unauthenticated local use.
        const id: unknown = info?.clientId;
        if (typeof id !== 'string' || id.trim() === '' || id === INTERNAL_CALLER || id === LOCAL_CALLER) {
          return 'denied';
        }
        return info;
      } catch {
        return 'denied';
      }
    }
    return 'denied';
  }

  // Host values already accepted (a handful in practice): validating one parses a URL.
  const acceptedHosts = new Set<string>();
  function rebinding(request: Incoming, isMcp: boolean): Answer | undefined {
    // Closed by default, also when the configuration does not say a proxy is in front: a reverse proxy that
    // keeps `Host: 127.0.0.1` (nginx's default `proxy_set_header Host $proxy_host`) makes a public
    // deployment look like loopback. A request that came through a proxy is refused by a handler without
    // authentication unless that was explicitly allowed.
    if (
      !authenticated &&
      !allowUnauthenticated &&
      PROXY_HEADERS.some((h) => request.headers.get(h) !== null)
    ) {
      const message =
        'This request came through a proxy but the server has no authentication: set publicUrl / PUBLIC_URL and API keys (ACP_API_KEYS), or allowUnauthenticated for local work.';
      return isMcp ? jsonRpcError(403, -32000, `Forbidden: ${message}`) : acpError('forbidden', message);
    }
    const hostHeader = request.headers.get('host');
    if (allowedHosts !== 'any' && !(hostHeader !== null && acceptedHosts.has(hostHeader))) {
      const host = validateHostHeader(hostHeader, [...allowedHosts]);
      if (host.ok && hostHeader !== null && acceptedHosts.size < 64) acceptedHosts.add(hostHeader);
      if (!host.ok) {
        return isMcp
          ? jsonRpcError(403, -32000, `Forbidden: ${host.message}`)
          : acpError('forbidden', `Host not allowed: ${host.message}`);
      }
    }
    if (allowedOrigins) {
      const origin = validateOriginHeader(request.headers.get('origin'), [...allowedOrigins]);
      if (!origin.ok) {
        return isMcp
          ? jsonRpcError(403, -32000, `Forbidden: ${origin.message}`)
          : acpError('forbidden', `Origin not allowed: ${origin.message}`);
      }
    }
    return undefined;
  }

  async function handleMcp(request: Incoming): Promise<Answer> {
    if (!mcp) return acpError('not_found', 'No MCP endpoint here.');
    const auth = await authenticate(request);
    if (auth === 'denied') {
      return jsonRpcError(401, -32001, 'Unauthorized: a valid bearer token is required.', {
        'www-authenticate': 'Bearer',
      });
    }
    const tooMany = limited(auth?.clientId ?? LOCAL_CALLER, true);
    if (tooMany) return tooMany;
    const authOptions = auth ? { authInfo: auth } : {};
    if (request.method !== 'POST') return mcp.fetch(webRequest(request), authOptions);
    const body = await readBody(request, maxBody);
    if (!body) return jsonRpcError(413, -32600, `Request body larger than ${maxBody} bytes.`);
    // Parsed once here and handed to the SDK as `parsedBody`, so it neither clones the request nor reads the
    // body again (decoded as the SDK decodes). A body that is not JSON goes to the SDK as bytes, for its own
    // parse error.
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(new TextDecoder().decode(body));
    } catch {
      parsedBody = undefined;
    }
    // Every JSON-RPC message counts against the rate limit (one token was taken above), before anything runs:
    // a batch of n tool calls is n requests, refused whole when the caller has not that many left.
    if (Array.isArray(parsedBody) && parsedBody.length > 1) {
      const n = parsedBody.length;
      const batchTooMany = limited(auth?.clientId ?? LOCAL_CALLER, true, n - 1, n);
      if (batchTooMany) return batchTooMany;
    }
    if (parsedBody !== undefined) return mcp.fetch(webRequest(request), { ...authOptions, parsedBody });
    const forwarded = new Request(request.url, {
      method: 'POST',
      headers: webRequest(request).headers,
      body: body as Uint8Array<ArrayBuffer>,
    });
    return mcp.fetch(forwarded, authOptions);
  }

  function restResponse(r: ServiceResult<unknown>, request: Incoming, idempotencyKey: string | null): Answer {
    const headers: Record<string, string> = { ...r.headers, 'cache-control': 'no-store' };
    // Echoed headers never carry a card number back (a client may put anything in them).
    const requestId = request.headers.get('request-id');
    if (requestId) headers['request-id'] = redactPans(requestId);
    if (request.method === 'POST' && idempotencyKey) headers['idempotency-key'] = redactPans(idempotencyKey);
    // A read of an unchanged session comes with its serialized text (core's render cache): sent as is.
    return json(r.status, r.body, headers, r.text);
  }

  async function handleRest(request: Incoming, path: string): Promise<Answer> {
    const isCollection = path === '/checkout_sessions' || path === '/checkout_sessions/';
    const m = isCollection ? undefined : SESSION_PATH.exec(path);
    if (!isCollection && !m) return unknownRoute(request.method);
    const action = m?.[2];
    const allowed = isCollection || action ? 'POST' : 'GET, POST';
    if (!allowed.split(', ').includes(request.method)) {
      return acpError('method_not_allowed', `${echoRedacted(request.method, 16)} is not allowed here.`, {
        allow: allowed,
      });
    }
    const auth = authenticated ? await authenticate(request) : undefined;
    if (auth === 'denied') {
      return acpError('unauthorized', 'A valid bearer token is required.', { 'www-authenticate': 'Bearer' });
    }
    const tooMany = limited(auth?.clientId ?? LOCAL_CALLER, false);
    if (tooMany) return tooMany;
    const raw =
      request.method === 'GET' && request.headers.get('content-length') === null
        ? EMPTY_BODY
        : await readBody(request, maxBody);
    if (!raw) return acpError('request_too_large', `The request body is larger than ${maxBody} bytes.`);
    if (options.requestSigning) {
      const target = new URL(request.url);
      const check = await verifyRequestSignature(options.requestSigning, {
        signature: request.headers.get('signature') ?? undefined,
        timestamp: request.headers.get('timestamp') ?? undefined,
        method: request.method,
        path: `${target.pathname}${target.search}`,
        body: raw,
      });
      if (!check.ok) {
        if (check.reason === 'replay_store_unavailable') {
          return acpError('service_unavailable', 'Request signatures cannot be checked right now; retry.', {
            'retry-after': '1',
          });
        }
        const message =
          check.reason === 'missing'
            ? 'Signature and Timestamp headers are required.'
            : check.reason === 'stale_timestamp'
              ? 'The Timestamp must be RFC 3339 and within the accepted clock skew.'
              : check.reason === 'replayed'
                ? 'This Signature was already used; sign every request anew.'
                : 'The Signature does not match this request (timestamp, method, path and body).';
        return acpError('invalid_signature', message);
      }
    }
    let body: unknown;
    if (request.method === 'POST' && raw.byteLength > 0) {
      if (!isJson(request.headers.get('content-type'))) {
        return acpError('unsupported_media_type', 'Send the request body as application/json.');
      }
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
      } catch {
        return acpError('invalid_json', 'The request body is not valid JSON.');
      }
    }
    const idempotencyKey = request.headers.get('idempotency-key');
    const ctx: RequestContext = {
      caller: auth?.clientId ?? LOCAL_CALLER,
      apiVersion: request.headers.get('api-version') ?? undefined,
      idempotencyKey: idempotencyKey ?? undefined,
      requestId: request.headers.get('request-id') ?? undefined,
      paramRoot: '$',
    };
    let id = '';
    if (m) {
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        // `%ZZ`, a truncated UTF-8 sequence…: a malformed request, not a server failure.
        return acpError(
          'invalid_request',
          'The checkout session id in the path is not valid percent-encoding.',
          {},
          '$.id',
        );
      }
    }
    let r: ServiceResult<unknown>;
    if (isCollection) r = await service.createSession(body, ctx);
    else if (action === 'complete') r = await service.completeSession(id, body, ctx);
    else if (action === 'cancel') r = await service.cancelSession(id, body, ctx);
    else if (request.method === 'GET') r = await service.getSession(id, ctx);
    else r = await service.updateSession(id, body, ctx);
    return restResponse(r, request, idempotencyKey);
  }

  function handleDiscovery(request: Incoming): Answer {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return acpError('method_not_allowed', `${echoRedacted(request.method, 16)} is not allowed here.`, {
        allow: 'GET',
      });
    }
    const cfg = service.config;
    const extra = options.discovery || {};
    const doc = buildDiscoveryDocument({
      apiBaseUrl: options.publicUrl ?? new URL(request.url).origin,
      transports: mcp ? ['rest', 'mcp'] : ['rest'],
      currencies: cfg.supportedCurrencies,
      ...(cfg.interventions.supported.length ? { interventionTypes: cfg.interventions.supported } : {}),
      ...(extra.locales ? { locales: extra.locales } : {}),
      ...(extra.documentationUrl ? { documentationUrl: extra.documentationUrl } : {}),
    });
    return json(200, doc, { 'cache-control': 'public, max-age=3600' });
  }

  async function handleWebhook(request: Incoming, mount: WebhookMount): Promise<Answer> {
    if (request.method !== 'POST') {
      return acpError('method_not_allowed', `${echoRedacted(request.method, 16)} is not allowed here.`, {
        allow: 'POST',
      });
    }
    const raw = await readBody(request, maxBody);
    if (!raw) return acpError('request_too_large', `The request body is larger than ${maxBody} bytes.`);
    try {
      const out = await mount.handle(raw, request.headers.get(mount.signatureHeader ?? 'stripe-signature'));
      return json(out.status, out.body ?? { received: out.status < 300 });
    } catch (e) {
      options.logger?.error('webhook handler failed', { error: e instanceof Error ? e.name : 'unknown' });
      return json(500, { error: 'webhook processing failed' });
    }
  }

  async function handle(request: Incoming): Promise<Answer> {
    const path = new URL(request.url).pathname;
    const isMcp = path === '/mcp' || path === '/mcp/';
    const rejected = rebinding(request, isMcp);
    if (rejected) return rejected;
    try {
      if (isMcp) return await handleMcp(request);
      if (path === '/.well-known/acp.json' && options.discovery !== false) return handleDiscovery(request);
      if (webhookPath && path === webhookPath) return await handleWebhook(request, options.webhook!);
      if (path.startsWith('/checkout_sessions')) return await handleRest(request, path);
      return unknownRoute(request.method);
    } catch (e) {
      options.logger?.error('request failed', {
        error: e instanceof Error ? e.name : 'unknown',
        path: echoPath(path),
      });
      const err = toWireError(
        new AcpError('internal_error', 'The merchant could not process this request. It is safe to retry.'),
      );
      return isMcp ? jsonRpcError(500, -32603, err.message) : json(500, err satisfies AcpWireError);
    }
  }

  const handler: AcpHttpHandler = {
    authenticated,
    allowedHosts,
    publiclyReachable,
    allowUnauthenticated,
    get rateLimited() {
      return limiter !== undefined;
    },
    checkHostAndOrigin(request: Request): Response | undefined {
      const rejected = rebinding(request, false);
      return rejected ? toResponse(rejected) : undefined;
    },
    async fetch(request: Request): Promise<Response> {
      return toResponse(await handle(request));
    },
    async close() {
      await mcp?.close();
    },
  };
  internalHandlers.set(handler, handle);
  rateLimitSwitches.set(handler, enableLimit);
  return handler;
}
