// Nothing a client sends comes back holding a card number: unknown paths (plain or percent-encoded) in the
// 404 message, and the echoed Request-Id and Idempotency-Key headers are passed through core's redactPans.
import { afterEach, describe, expect, it } from 'vitest';
import { CAPS, headers, type Running, start } from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const PAN = '4242424242424242';
const create = JSON.stringify({ currency: 'usd', line_items: [{ id: 'ebook_mcp' }], capabilities: CAPS });

describe('card numbers are never echoed by the HTTP transport', () => {
  it('an unknown path holding a card number: 404 without it, plain or percent-encoded, in and out of /checkout_sessions', async () => {
    r = await start();
    for (const path of [
      `/checkout_sessions/cs_1/${PAN}`,
      `/checkout_sessions/cs_1/${encodeURIComponent('4242 4242 4242 4242')}`,
      `/checkout_sessions/cs_1/${encodeURIComponent('4242\u00a04242\u00a04242\u00a04242')}`,
      `/cards/${PAN}`,
      `/cards/${encodeURIComponent('\uff14\uff12\uff14\uff12'.repeat(4))}`,
    ]) {
      const res = await fetch(`${r.url}${path}`, { headers: headers() });
      const text = await res.text();
      expect(res.status, path).toBe(404);
      expect(JSON.parse(text), path).toMatchObject({ code: 'not_found' });
      expect(text, path).toContain('[card number removed]');
      expect(text, path).not.toMatch(/4242|%20|\\uff14|４/);
    }
    const typo = await fetch(`${r.url}/checkout_session`, { headers: headers() });
    expect(await typo.json()).toMatchObject({ message: 'No route for /checkout_session.' });
  });

  it('Request-Id and Idempotency-Key are echoed with card numbers removed, and ordinary values unchanged', async () => {
    r = await start();
    const pan = '4242 4242 4242 4242';
    const res = await fetch(`${r.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers({ 'request-id': `req ${pan}`, 'idempotency-key': `4242-4242-4242-4242` }),
      body: create,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('request-id')).toBe('req [card number removed]');
    expect(res.headers.get('idempotency-key')).toBe('[card number removed]');
    const get = await fetch(`${r.url}/checkout_sessions/cs_nope`, {
      headers: headers({ 'request-id': pan }),
    });
    expect(get.headers.get('request-id')).toBe('[card number removed]');
    const key = '3f1c2a9e-7b4d-4c1e-9a2b-5d6e7f8a9b0c';
    const plain = await fetch(`${r.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers({ 'request-id': 'req_123', 'idempotency-key': key }),
      body: create,
    });
    expect(plain.headers.get('request-id')).toBe('req_123');
    expect(plain.headers.get('idempotency-key')).toBe(key);
  });
});
