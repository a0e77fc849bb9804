// A tiny round-robin HTTP proxy (node:http) in front of several server instances: every request goes to the
// next upstream, bodies are streamed both ways. An upstream that cannot be reached answers 502 with
// `{"proxy_error": …}` (a load balancer's "bad gateway"), which clients treat as a network failure.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  readonly url: string;
  /** Requests forwarded to each upstream, by URL. */
  readonly forwarded: Record<string, number>;
  /** Requests that failed at the proxy (upstream unreachable or reset). */
  readonly failures: number;
  setUpstreams(urls: readonly string[]): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: readonly string[]): Promise<RoundRobinProxy> {
  let targets = upstreams.map((u) => new URL(u));
  let next = 0;
  const forwarded: Record<string, number> = {};
  let failures = 0;

  const fail = (res: ServerResponse, message: string) => {
    failures++;
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ proxy_error: message }));
    } else {
      res.destroy();
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = targets[next++ % targets.length];
    if (!target) return fail(res, 'no upstream');
    forwarded[target.origin] = (forwarded[target.origin] ?? 0) + 1;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (e) => fail(res, e.message));
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    get failures() {
      return failures;
    },
    setUpstreams(urls) {
      targets = urls.map((u) => new URL(u));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
