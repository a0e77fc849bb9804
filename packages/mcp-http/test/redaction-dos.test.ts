// Review 2: core's redactPans cut spans out one at a time (out.slice + replacement + out.slice per span), so
// redacting a string with n card-like spans was O(n × length). A body under the 1 MiB limit with a line-item id
// (skipped by the PAN field check: looked up, echoed redacted) or an unknown MCP tool name made of ~60,000 test
// card numbers blocked the event loop for tens of seconds, so one agent stalled every request of every other
// caller. Now redaction is one pass, a line-item id is at most 256 characters (typed 400) and every echoed
// client value is capped (core `echoRedacted`). ~300 KB here: the old code stalled for seconds.
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

describe('a huge value of card numbers cannot stall the event loop (redaction was quadratic)', () => {
  it('REST: a 300 KB line-item id made of card numbers is refused (typed 400) without stalling the event loop', async () => {
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
      expect(JSON.parse(text)).toMatchObject({ code: 'invalid', param: '$.line_items[0].id' });
    });
    expect(waited, `the event loop was blocked for ${Math.round(waited)} ms`).toBeLessThan(2000);
  }, 120_000);

  it('MCP: a 300 KB unknown tool name made of card numbers is refused without stalling the event loop or echoing it', async () => {
    r = await start();
    const url = r.url;
    const client = await mcpClient(url);
    let answer: unknown;
    const waited = await stallOf(url, async () => {
      answer = await client.callTool({ name: MANY, arguments: {} }).catch((e: unknown) => e);
    });
    const text = answer instanceof Error ? answer.message : JSON.stringify(answer);
    expect(text).not.toContain('4242');
    expect(text.length).toBeLessThan(1000);
    await client.close();
    expect(waited, `the event loop was blocked for ${Math.round(waited)} ms`).toBeLessThan(2000);
  }, 120_000);
});
