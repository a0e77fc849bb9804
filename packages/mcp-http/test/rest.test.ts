import { specPresent, validateDef } from '@acp/spec-oracle';
import { afterEach, describe, expect, it } from 'vitest';
import { CAPS, headers, post, type Running, start, V } from './helpers.js';

let r: Running | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

function expectValid(def: string, value: unknown) {
  const v = validateDef(def, value);
  expect(v.valid, `${def}: ${v.text}`).toBe(true);
}

const createBody = (id = 'ebook_mcp') => ({ currency: 'usd', line_items: [{ id }], capabilities: CAPS });

describe.skipIf(!specPresent())('ACP REST over HTTP', () => {
  it('serves discovery unauthenticated, cacheable, without merchant identifiers', async () => {
    r = await start();
    const res = await fetch(`${r.url}/.well-known/acp.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const text = await res.text();
    const doc = JSON.parse(text);
    expectValid('DiscoveryResponse', doc);
    expect(doc.transports).toEqual(['rest', 'mcp']);
    expect(doc.api_base_url).toBe(r.url);
    expect(doc.capabilities.services).toContain('checkout');
    expect(doc.capabilities.supported_currencies).toEqual(['usd']);
    expect(text).not.toMatch(/acct_|stripe|merchant_id/);
  });

  it('creates (201), updates, reads and completes a session with every header rule', async () => {
    r = await start();
    const created = await post(`${r.url}/checkout_sessions`, createBody(), {
      'request-id': 'req_123',
      'idempotency-key': 'idem-create-1',
    });
    expect(created.res.status).toBe(201);
    expect(created.res.headers.get('content-type')).toMatch(/application\/json/);
    expect(created.res.headers.get('request-id')).toBe('req_123');
    expect(created.res.headers.get('idempotency-key')).toBe('idem-create-1');
    expect(created.res.headers.get('idempotent-replayed')).toBeNull();
    expectValid('CheckoutSession', created.body);
    const id = created.body.id as string;

    const replay = await post(`${r.url}/checkout_sessions`, createBody(), {
      'idempotency-key': 'idem-create-1',
    });
    expect(replay.res.status).toBe(201);
    expect(replay.res.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(created.body);

    const conflict = await post(`${r.url}/checkout_sessions`, createBody('mug_classic'), {
      'idempotency-key': 'idem-create-1',
    });
    expect(conflict.res.status).toBe(422);
    expect(conflict.body).toMatchObject({ type: 'invalid_request', code: 'idempotency_conflict' });
    expectValid('Error', conflict.body);

    const updated = await post(`${r.url}/checkout_sessions/${id}`, { buyer: { email: 'ada@example.com' } });
    expect(updated.res.status).toBe(200);
    expect(updated.body.status).toBe('ready_for_payment');

    const got = await fetch(`${r.url}/checkout_sessions/${id}`, { headers: headers() });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(updated.body);

    const payment_data = {
      handler_id: 'card_tokenized',
      instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
    };
    const done = await post(`${r.url}/checkout_sessions/${id}/complete`, { payment_data });
    expect(done.res.status).toBe(200);
    expectValid('CheckoutSessionWithOrder', done.body);

    const cancel = await post(`${r.url}/checkout_sessions/${id}/cancel`, undefined);
    expect(cancel.res.status).toBe(405);
    expect(cancel.body).toMatchObject({ code: 'session_not_cancelable' });
    expectValid('Error', cancel.body);
  });

  it('rejects protocol mistakes with flat ACP errors', async () => {
    r = await start();
    const noVersion = await post(`${r.url}/checkout_sessions`, createBody(), { 'api-version': '' });
    expect(noVersion.res.status).toBe(400);
    expect(noVersion.body).toMatchObject({ code: 'missing_api_version', supported_versions: [V] });
    expectValid('Error', noVersion.body);
    const oldVersion = await post(`${r.url}/checkout_sessions`, createBody(), {
      'api-version': '2025-09-29',
    });
    expect(oldVersion.res.status).toBe(400);
    expect(oldVersion.body).toMatchObject({ code: 'unsupported_api_version' });

    const noKey = await fetch(`${r.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(createBody()),
    });
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toMatchObject({ code: 'idempotency_key_required' });

    const missing = await fetch(`${r.url}/checkout_sessions/cs_missing`, { headers: headers() });
    expect(missing.status).toBe(404);
    const missingBody = await missing.json();
    expect(missingBody).toMatchObject({ type: 'invalid_request', code: 'session_not_found' });
    expectValid('Error', missingBody);

    const invalid = await post(`${r.url}/checkout_sessions`, {
      line_items: [{ id: 'ebook_mcp' }],
      capabilities: CAPS,
    });
    expect(invalid.res.status).toBe(400);
    expect(invalid.body.param).toBe('$.currency');

    const textPlain = await post(`${r.url}/checkout_sessions`, createBody(), {
      'content-type': 'text/plain',
    });
    expect(textPlain.res.status).toBe(415);
    expectValid('Error', textPlain.body);

    const badJson = await fetch(`${r.url}/checkout_sessions`, {
      method: 'POST',
      headers: headers({ 'idempotency-key': 'k' }),
      body: '{"currency":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: 'invalid_json' });

    const put = await fetch(`${r.url}/checkout_sessions/cs_1`, {
      method: 'PUT',
      headers: headers(),
      body: '{}',
    });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expectValid('Error', await put.json());

    const unknown = await fetch(`${r.url}/nope`, { headers: headers() });
    expect(unknown.status).toBe(404);

    // A session id that is not valid percent-encoding is a 400 naming `$.id`, not a 500 (URIError).
    for (const path of ['/checkout_sessions/%ZZ', '/checkout_sessions/%E0%A4%A/complete']) {
      const bad = await fetch(`${r.url}${path}`, {
        method: path.endsWith('complete') ? 'POST' : 'GET',
        headers: headers({ 'idempotency-key': crypto.randomUUID() }),
        ...(path.endsWith('complete') ? { body: '{}' } : {}),
      });
      expect(bad.status, path).toBe(400);
      const badBody = await bad.json();
      expect(badBody).toMatchObject({ type: 'invalid_request', code: 'invalid_request', param: '$.id' });
      expectValid('Error', badBody);
    }
  });

  it('answers 409 with Retry-After while the same key is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { createTestCheckout, createMemoryGateway } = await import('@acp/core/testing');
    const inner = createMemoryGateway();
    const gateway = {
      ...inner,
      async charge(req: Parameters<typeof inner.charge>[0]) {
        await gate;
        return inner.charge(req);
      },
    };
    r = await start({}, createTestCheckout({ gateway }));
    const created = await post(`${r.url}/checkout_sessions`, createBody());
    const id = created.body.id as string;
    await post(`${r.url}/checkout_sessions/${id}`, { buyer: { email: 'ada@example.com' } });
    const body = {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
      },
    };
    const first = post(`${r.url}/checkout_sessions/${id}/complete`, body, { 'idempotency-key': 'pay-1' });
    // Wait until the first request holds the key (the charge is parked on the gate).
    const store = r.checkout.store;
    const charging = async () => (await store.getSession(id))?.state.status === 'complete_in_progress';
    for (let i = 0; i < 100 && !(await charging()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await post(`${r.url}/checkout_sessions/${id}/complete`, body, {
      'idempotency-key': 'pay-1',
    });
    expect(second.res.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'idempotency_in_flight' });
    expect(Number(second.res.headers.get('retry-after'))).toBeGreaterThan(0);
    release();
    expect((await first).res.status).toBe(200);
  });
});
