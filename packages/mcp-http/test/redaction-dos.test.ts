// Review 2 PoC: core's redactPans cuts spans out one at a time (out.slice + replacement + out.slice per span),
// so redacting a string with n card-like spans is O(n × length). A body under the 1 MiB limit with a line-item
// id (skipped by the PAN field check: "looked up, echoed through redactPans") or an unknown MCP tool name made
// of ~60,000 test card numbers blocks the event loop for tens of seconds, so one agent stalls every request
// of every other caller. These tests use ~300 KB so they fail in seconds rather than minutes.
import { afterEach, describe, expect, it } from 'vitest';
import { CAPS, headers, mcpClient, type Running, start } from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const MANY = '4242424242424242 '.repeat(18_000); // ~300 KB, well under the 1 MiB body limit

/**
 * The longest the event loop was blocked while `slow` ran (server and client share this process, so a gap
 * between 10 ms timer ticks is time in which the server answered nobody).
 */
async function stallOf(_url: string, slow: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  try {
    await slow();
  } finally {
    clearInterval(tick);
  }
  return worst;
}

describe('review2: redaction of many card-like spans is quadratic (event-loop stall)', () => {
  it('REST: a line-item id made of card numbers blocks the event loop for seconds', async () => {
    r = await start();
    const url = r.url;
    const waited = await stallOf(url, async () => {
      const res = await fetch(`${url}/checkout_sessions`, {
        method: 'POST',
        headers: headers({ 'idempotency-key': crypto.randomUUID() }),
        body: JSON.stringify({
          currency: 'usd',
          line_items: [{ id: MANY, quantity: 1 }],
          capabilities: CAPS,
        }),
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toContain('4242');
    });
    expect(waited, `the event loop was blocked for ${Math.round(waited)} ms`).toBeLessThan(2000);
  }, 120_000);

  it('MCP: an unknown tool name made of card numbers blocks the event loop for seconds', async () => {
    r = await start();
    const url = r.url;
    const client = await mcpClient(url);
    const waited = await stallOf(url, async () => {
      await client.callTool({ name: MANY, arguments: {} }).catch((e: unknown) => e);
    });
    await client.close();
    expect(waited, `the event loop was blocked for ${Math.round(waited)} ms`).toBeLessThan(2000);
  }, 120_000);
});
