// Review 12 PoC (failing): the SDK v2 example (examples/mcp-sdk2-http) serves the SDK's createMcpHandler bare on
// node:http, and the SDK documents that entry as "deliberately validation-free". A web page the developer opens
// can rebind its own host name to 127.0.0.1 (DNS rebinding: same origin for the browser, no CORS preflight) and
// drive the checkout tools. @acp/checkout's own handler refuses such a Host/Origin; the example does not.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEntry, type Running, startExample, V } from '../src/agent.js';

let running: Running;
beforeAll(async () => {
  running = await startExample(exampleEntry('mcp-sdk2-http', 'server.js'));
});
afterAll(() => running.stop());

function post(url: URL, host: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          host,
          origin: `http://${host}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('review12: example mcp-sdk2-http and DNS rebinding', () => {
  it('refuses a tools/call whose Host and Origin are a foreign name (a rebound page)', async () => {
    const url = new URL(`${running.url}/mcp`);
    const answer = await post(url, `attacker.example:${url.port}`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'create_checkout_session',
        arguments: {
          meta: { api_version: V, idempotency_key: crypto.randomUUID() },
          payload: {
            currency: 'usd',
            line_items: [{ id: 'guide' }],
            capabilities: { interventions: { supported: [] } },
            buyer: { email: 'victim@example.com' },
          },
        },
      },
    });
    expect({ status: answer.status, createdASession: /cs_/.test(answer.text) }).toEqual({
      status: 403,
      createdASession: false,
    });
  });
});
