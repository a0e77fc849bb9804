// node:http adapter for the web-standard handler. Prints nothing; streams responses (MCP may answer with
// SSE); refuses unsafe binds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type AcpHttpHandler, type AcpHttpOptions, createAcpHttpHandler } from './handler.js';

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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

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

/** Writes a web `Response` to a Node response, streaming the body. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
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

/** The handler on `node:http`. Refuses to listen beyond loopback without authentication or an allowed Host list. */
export function createAcpNodeServer(options: AcpHttpOptions | AcpHttpHandler): AcpNodeServer {
  const handler = 'fetch' in options ? options : createAcpHttpHandler(options);
  let boundHost = '127.0.0.1';
  const server = createServer((req, res) => {
    let request: Request;
    try {
      request = toWebRequest(req, boundHost);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}');
      return;
    }
    handler
      .fetch(request)
      .then((response) => writeWebResponse(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      });
  });
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
