// The HTTP side: a node:http server that reads a request, serves hosted pages, authenticates API keys,
// applies faults and Idempotency-Key handling around the route's handler, logs the request and answers
// in Stripe's wire format.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ApiError,
  errorEnvelope,
  idempotencyKeyInUse,
  idempotencyMismatch,
  noApiKey,
  unexpected,
  unknownApiKey,
  unrecognizedUrl,
  wrongModeKey,
} from './errors.js';
import { appliesToReplay, delay, executeUnderFault, type FaultInjector, rateLimited } from './faults.js';
import { type FormValue, fingerprint, parseForm } from './form.js';
import { sweep } from './lifecycle.js';
import { handlePage } from './pages.js';
import type { Router } from './routes/router.js';
import {
  EMULATOR_API_VERSION,
  type EmulatorState,
  IdempotencyStore,
  NO_REQUEST,
  type RequestLogEntry,
  randomHex,
} from './state.js';

export interface EmulatorServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** The API key of a request, or why it is refused (401 before anything else). */
function authenticate(
  st: EmulatorState,
  req: IncomingMessage,
): { key: string } | { error: ApiError; headers?: Record<string, string> } {
  const { liveAccount, acceptedKeys } = st.config;
  const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!key) return { error: noApiKey(), headers: { 'www-authenticate': 'Bearer realm="Stripe"' } };
  // Test keys only, unless the account is emulated as live (then live keys only).
  if (!(liveAccount ? /^(sk|rk)_live_/ : /^(sk|rk)_test_/).test(key)) return { error: wrongModeKey() };
  if (acceptedKeys && !acceptedKeys.includes(key)) return { error: unknownApiKey(key) };
  return { key };
}

export function requestHandler(st: EmulatorState, router: Router, faults: FaultInjector) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readText(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';

    const page = handlePage(st, method, path, raw);
    if (page) {
      const headers: Record<string, string> = page.location
        ? { location: page.location }
        : { 'content-type': 'text/html; charset=utf-8' };
      res.writeHead(page.status, headers);
      res.end(page.html ?? '');
      return;
    }
    if (path === '/' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        'acp-stripe-emulator: a local emulator of a subset of the Stripe API. NOT Stripe. Test mode only.\n',
      );
      return;
    }

    const requestId = `req_${randomHex(7)}`;
    const stripeVersion = (req.headers['stripe-version'] as string | undefined) ?? EMULATOR_API_VERSION;
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const query = method === 'GET' || method === 'DELETE';
    const log: RequestLogEntry = {
      method,
      path: rawPath,
      body: query ? url.search.slice(1) : raw,
      status: 0,
      replayed: false,
      stripeVersion,
      ...(idemKey ? { idempotencyKey: idemKey } : {}),
    };
    st.requests.push(log);
    const baseHeaders: Record<string, string> = { 'request-id': requestId, 'stripe-version': stripeVersion };
    if (idemKey) baseHeaders['idempotency-key'] = idemKey;
    const reply = (status: number, body: string, extra: Record<string, string> = {}) => {
      log.status = status;
      send(res, status, body, { ...baseHeaders, ...extra });
    };
    const replyError = (e: ApiError, extra?: Record<string, string>) =>
      reply(e.status, errorEnvelope(e), extra);
    /** The client never hears back. */
    const hangUp = () => {
      log.status = -1;
      req.socket.destroy();
    };

    const auth = authenticate(st, req);
    if ('error' in auth) {
      replyError(auth.error, auth.headers);
      return;
    }

    const found = router.find(method, path);
    if (!found) {
      replyError(unrecognizedUrl(method, path));
      return;
    }

    // Faults in front of the API (nothing executes, nothing is saved): 429, dropped connection.
    const fault = faults.pick(method, path);
    if (fault.kind) log.fault = fault.kind;
    if (fault.kind === 'drop_connection') return hangUp();
    if (fault.kind === 'rate_limited') return replyError(rateLimited());

    const params = parseForm(query ? url.search.slice(1) : raw);
    const scope = IdempotencyStore.scope(auth.key, idemKey ?? '');
    const fp = fingerprint(method, path, params as FormValue);
    if (idemKey) {
      const decision = st.idempotency.begin(scope, fp);
      if (decision.kind === 'mismatch') return replyError(idempotencyMismatch(idemKey));
      if (decision.kind === 'in_flight') return replyError(idempotencyKeyInUse(idemKey));
      if (decision.kind === 'replay') {
        await delay(fault);
        log.replayed = true;
        if (fault.kind && !appliesToReplay(fault.kind)) delete log.fault;
        if (fault.kind === 'lost_response') return hangUp();
        reply(decision.status, decision.body, {
          'idempotent-replayed': 'true',
          'original-request': requestId,
        });
        return;
      }
    }
    await delay(fault);

    let status: number;
    let body: string;
    let save = true;
    st.currentRequest = { id: requestId, idempotency_key: idemKey ?? null };
    try {
      sweep(st);
      const out = executeUnderFault(fault, () =>
        found.route.handler({ params, match: found.match, method, state: st }),
      );
      status = out.status ?? 200;
      body = JSON.stringify(out.body, null, 2);
    } catch (e) {
      const err = e instanceof ApiError ? e : unexpected();
      status = err.status;
      body = errorEnvelope(err);
      save = err.save;
    } finally {
      st.currentRequest = NO_REQUEST;
    }
    if (idemKey) st.idempotency.finish(scope, fp, save ? { status, body } : undefined);
    // A lost response: the request executed and its result is saved, but the client never hears back.
    if (fault.kind === 'lost_response') return hangUp();
    reply(status, body);
  };
}

/** Listens on `host:port` (0 = any free port) and serves the emulator until `close()`. */
export async function startServer(
  st: EmulatorState,
  router: Router,
  faults: FaultInjector,
  listen: { host: string; port: number },
): Promise<EmulatorServer> {
  const handle = requestHandler(st, router, faults);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, errorEnvelope(unexpected('emulator failure')), {});
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { host } = listen;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
