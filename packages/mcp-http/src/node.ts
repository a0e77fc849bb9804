// node:http adapter for the web-standard handler. Prints nothing; streams responses (MCP may answer with
// SSE); refuses unsafe binds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { AcpError, toWireError } from '@acp/core';
import {
  type AcpHttpHandler,
  type AcpHttpOptions,
  type Answer,
  createAcpHttpHandler,
  enableDefaultRateLimit,
  isLoopbackHost,
  type NodeIncoming,
  plainHandlerOf,
} from './handler.js';

export interface ListenOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface AcpNodeServer {
  readonly server: Server;
  readonly handler: AcpHttpHandler;
  /** Starts listening; resolves with the bound base URL, e.g. `http://127.0.0.1:3000`. */
  listen(options?: ListenOptions): Promise<string>;
  close(): Promise<void>;
}

/** Methods the web `Request` constructor refuses. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

const errorBody = (error: AcpError) => JSON.stringify(toWireError(error));
/** A request no handler can take (unparsable URL, forbidden method, malformed HTTP): a flat ACP `Error`. */
const MALFORMED = errorBody(new AcpError('invalid_request', 'The HTTP request is malformed.'));
const HEADERS_TOO_LARGE = errorBody(new AcpError('request_too_large', 'The request headers are too large.'));
const INTERNAL = errorBody(
  new AcpError('internal_error', 'The merchant could not process this request. It is safe to retry.'),
);

/**
 * Requests Node's HTTP parser rejects before any handler runs (a header section beyond
 * `--max-http-header-size`, a malformed request line or header, conflicting Content-Length) get a flat ACP
 * `Error` like every other rejection, instead of Node's empty answer: 431 `request_too_large` for oversized
 * headers, 400 `invalid_request` otherwise. Nothing reached the service.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = tooLarge ? HEADERS_TOO_LARGE : MALFORMED;
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export { isLoopbackHost };

/** `IncomingMessage` → web `Request` (the body is streamed; the handler enforces the size limit). */
export function toWebRequest(req: IncomingMessage, fallbackHost: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const host = req.headers.host ?? fallbackHost;
  const url = `http://${host}${req.url ?? '/'}`;
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Reads a Node request body up to `limit` bytes; `undefined` (and the rest discarded) when it is larger. */
function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        // Discard the rest instead of destroying the socket: a destroyed socket resets the connection
        // before the 413 is written, and the client never learns why.
        cleanup();
        req.on('error', () => undefined);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * The Node request as the handler reads it, without a web `Request` (built only for MCP and `verifyToken`).
 * Same URL, method and headers as {@link toWebRequest}.
 */
function toNodeIncoming(req: IncomingMessage, url: string): NodeIncoming {
  const method = req.method ?? 'GET';
  let built: Request | undefined;
  return {
    method,
    url,
    headers: { get: (name) => headerOf(req, name.toLowerCase()) },
    readBody: (limit) =>
      method === 'GET' || method === 'HEAD' ? Promise.resolve(new Uint8Array(0)) : readNodeBody(req, limit),
    toRequest() {
      if (built) return built;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else headers.set(name, value);
      }
      built = new Request(url, { method, headers });
      return built;
    },
  };
}

/** Writes a handler answer: a plain JSON answer in one write with its length, a web `Response` streamed. */
async function writeAnswer(answer: Answer, res: ServerResponse): Promise<void> {
  if (answer instanceof Response) return writeWebResponse(answer, res);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
  });
  res.end(answer.body);
}

/** Writes a web `Response` to a Node response: an event stream is streamed, any other body sent in one write. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) {
    const body = new Uint8Array(await response.arrayBuffer());
    headers['content-length'] = String(body.byteLength);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  const reader = response.body.getReader();
  res.on('close', () => {
    reader.cancel().catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
  } finally {
    res.end();
  }
}

export interface AcpNodeListenerOptions {
  /** The host used for a request without a `Host` header (HTTP/1.0). Default `localhost`. */
  fallbackHost?: () => string;
}

/** Methods that carry a request body the handler reads. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BODY_CONSUMED = errorBody(
  new AcpError(
    'internal_error',
    'The request body was already read by another middleware: mount the ACP handler before body parsers such as express.json().',
  ),
);

/**
 * The handler as a `node:http` request listener, `(req, res) => void`: for `http.createServer`, Express
 * (`app.use(listener)`, mounted before any body parser), Connect, Fastify's `raw` routes. The server it runs in
 * is yours: `listen()`'s refusals (an unauthenticated non-loopback bind) are not applied here, the handler's
 * own construction rules are. A body already read by another middleware is answered with a 500 naming the
 * cause, never waited for.
 */
export function createAcpNodeListener(
  handler: AcpHttpHandler,
  options: AcpNodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const plain = plainHandlerOf(handler);
  const fallbackHost = options.fallbackHost ?? (() => 'localhost');
  const fail = (res: ServerResponse) => () => {
    if (res.headersSent) res.end();
    else res.writeHead(500, { 'content-type': 'application/json' }).end(INTERNAL);
  };
  return (req, res) => {
    if (req.readableEnded && BODY_METHODS.has(req.method ?? '')) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(BODY_CONSUMED);
      return;
    }
    if (plain) {
      const url = `http://${req.headers.host ?? fallbackHost()}${req.url ?? '/'}`;
      // What `toWebRequest` would refuse (a URL that does not parse, a method `Request` forbids) stays a 400.
      if (!URL.canParse(url) || FORBIDDEN_METHODS.has(req.method ?? '')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(MALFORMED);
        return;
      }
      plain(toNodeIncoming(req, url))
        .then((answer) => writeAnswer(answer, res))
        .catch(fail(res));
      return;
    }
    let request: Request;
    try {
      request = toWebRequest(req, fallbackHost());
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(MALFORMED);
      return;
    }
    handler
      .fetch(request)
      .then((response) => writeWebResponse(response, res))
      .catch(fail(res));
  };
}

/**
 * The handler on `node:http`. Refuses to listen without authentication when it is reachable beyond loopback (a
 * non-loopback bind, `publicUrl` or allowed Host), and beyond loopback with only localhost allowed as Host.
 */
export function createAcpNodeServer(options: AcpHttpOptions | AcpHttpHandler): AcpNodeServer {
  const handler = 'fetch' in options ? options : createAcpHttpHandler(options);
  let boundHost = '127.0.0.1';
  const server = createServer(createAcpNodeListener(handler, { fallbackHost: () => boundHost }));
  server.on('clientError', answerClientError);
  return {
    server,
    handler,
    async listen(listenOptions: ListenOptions = {}): Promise<string> {
      const host = listenOptions.host ?? '127.0.0.1';
      if (!isLoopbackHost(host)) {
        if (!handler.authenticated) {
          throw new Error(
            `Refusing to listen on ${host} without authentication: configure apiKeys or verifyToken, or bind to 127.0.0.1.`,
          );
        }
        if (handler.allowedHosts !== 'any' && handler.allowedHosts.every((h) => isLoopbackHost(h))) {
          throw new Error(
            `Refusing to listen on ${host} with only localhost in allowedHosts: set allowedHosts to your public hostname(s).`,
          );
        }
        enableDefaultRateLimit(handler);
      } else if (handler.publiclyReachable && !handler.authenticated && !handler.allowUnauthenticated) {
        // Loopback behind a TLS proxy or a tunnel is still public: closed by default.
        throw new Error(
          `Refusing to listen without authentication: publicUrl/allowedHosts make this server publicly reachable although it binds ${host}. Configure apiKeys or verifyToken (or, for local work only, allowUnauthenticated: true).`,
        );
      }
      boundHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenOptions.port ?? 0, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      boundHost = `${boundHost}:${address.port}`;
      return `http://${boundHost}`;
    },
    async close(): Promise<void> {
      await handler.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
