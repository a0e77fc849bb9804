// Raw HTTP to the server under test (loopback only): node:http, so a test controls every header — omit
// them, duplicate them, spoof Host, lie about Content-Length — and sends exact bytes.
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawInit {
  method?: string;
  /** A header given as an array is sent once per value (duplicated header lines). */
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  chunked?: boolean;
}

export function rawRequest(url: string, init: RawInit = {}): Promise<RawResponse> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error('the security suite only talks to 127.0.0.1');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...(init.headers ?? {}) };
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? Buffer.from(init.body)
          : Buffer.from(init.body);
    const hasLength = Object.keys(headers).some((k) => k.toLowerCase() === 'content-length');
    if (body && !init.chunked && !hasLength) headers['content-length'] = String(body.byteLength);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers,
        // One connection per request: a server that closes a connection early (413) cannot reset the next.
        agent: false,
        setHost: !Object.keys(headers).some((k) => k.toLowerCase() === 'host'),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** JSON of a response body, or undefined when it is not JSON. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON-RPC messages of an MCP HTTP answer (plain JSON or an SSE stream of `data:` lines). */
export function jsonRpcMessages(text: string, contentType: string | undefined): unknown[] {
  if (contentType?.includes('text/event-stream')) {
    return text
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => jsonOf(l.slice(5).trim()))
      .filter((v) => v !== undefined);
  }
  const v = jsonOf(text);
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
