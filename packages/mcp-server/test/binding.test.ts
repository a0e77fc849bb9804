import { MEMORY_TEST_TOKENS } from '@acp/core/testing';
import { mcpExamples, specPresent, validateDef } from '@acp/spec-oracle';
import { ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { signMcpToolCall } from '../src/index.js';
import { API_VERSION, connect, createArgs, type Harness, paymentData } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Result = Record<string, unknown> & { structuredContent?: Record<string, unknown>; isError?: boolean };

async function call(name: string, args: Record<string, unknown>): Promise<Result> {
  return (await h!.client.callTool({ name, arguments: args })) as Result;
}

async function callError(name: string, args: unknown): Promise<ProtocolError> {
  try {
    await h!.client.callTool({ name, arguments: args as Record<string, unknown> });
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error(`${name} did not fail`);
}

function expectValid(def: string, value: unknown): void {
  const v = validateDef(def, value);
  expect(v.valid, `${def} invalid:\n${v.text}`).toBe(true);
}

describe.skipIf(!specPresent())('ACP MCP binding tools', () => {
  it('takes a session from creation to an order; each result is both a bare session and an MCP result', async () => {
    h = await connect();
    const created = await call('create_checkout_session', createArgs(undefined, [{ id: 'ebook_mcp' }]));
    expect(created.isError).toBeFalsy();
    const session = created.structuredContent!;
    expectValid('CheckoutSession', session);
    // A binding client reads result.status / result.id; an MCP client reads structuredContent.
    expect(created.status).toBe('not_ready_for_payment');
    expect(created.id).toBe(session.id);
    expect(JSON.parse((created.content as { text: string }[])[0]!.text)).toEqual(session);
    const id = session.id as string;

    const updated = await call('update_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID(), x_future_header: 'ignored' },
      id,
      payload: { buyer: { email: 'ada@example.com' } },
    });
    expect(updated.status).toBe('ready_for_payment');
    expectValid('CheckoutSession', updated.structuredContent);

    const got = await call('get_checkout_session', { meta: { api_version: API_VERSION }, id });
    expect(got.structuredContent).toEqual(updated.structuredContent);

    const completed = await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: 'complete-1' },
      id,
      payload: { payment_data: paymentData() },
    });
    expect(completed.status).toBe('completed');
    expectValid('CheckoutSessionWithOrder', completed.structuredContent);
    expect((completed.order as { checkout_session_id: string }).checkout_session_id).toBe(id);

    // Idempotent replay: same key + same payload → same answer, marked, no second charge.
    const again = await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: 'complete-1' },
      id,
      payload: { payment_data: paymentData() },
    });
    expect(again.structuredContent).toEqual(completed.structuredContent);
    expect((again._meta as Record<string, unknown>)['dev.acp/idempotent_replayed']).toBe(true);
    expect(h.checkout.gateway.succeededChargesFor(id)).toHaveLength(1);

    const canceled = await callError('cancel_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
      id,
    });
    expect(canceled.code).toBe(-32000);
    expect(canceled.data).toMatchObject({ type: 'invalid_request', code: 'session_not_cancelable' });
    expectValid('Error', canceled.data);
  });

  it('maps ACP errors to JSON-RPC -32000 with the flat Error in data', async () => {
    h = await connect();
    const notFound = await callError('get_checkout_session', {
      meta: { api_version: API_VERSION },
      id: 'cs_nope',
    });
    expect(notFound.code).toBe(-32000);
    expect(notFound.data).toMatchObject({ type: 'invalid_request', code: 'session_not_found' });
    expectValid('Error', notFound.data);

    const missingCurrency = createArgs();
    delete (missingCurrency.payload as Record<string, unknown>).currency;
    const invalid = await callError('create_checkout_session', missingCurrency);
    expect(invalid.code).toBe(-32000);
    expect((invalid.data as { param: string }).param).toBe('$.payload.currency');
    expectValid('Error', invalid.data);

    const noVersion = await callError('get_checkout_session', { meta: {}, id: 'cs_1' });
    expect(noVersion.code).toBe(-32000);
    expect(noVersion.data).toMatchObject({ code: 'missing_api_version', supported_versions: [API_VERSION] });

    const badVersion = await callError('get_checkout_session', {
      meta: { api_version: '2025-09-29' },
      id: 'x',
    });
    expect(badVersion.data).toMatchObject({ code: 'unsupported_api_version' });
  });

  it('uses -32602 only for a malformed envelope or an unknown tool', async () => {
    h = await connect();
    for (const [name, args] of [
      ['get_checkout_session', { id: 'cs_1' }],
      ['get_checkout_session', { meta: 'x', id: 'cs_1' }],
      ['get_checkout_session', { meta: { api_version: API_VERSION } }],
      ['create_checkout_session', { meta: { api_version: API_VERSION } }],
      ['update_checkout_session', { meta: { api_version: API_VERSION }, id: 'cs', payload: [] }],
      ['get_checkout_session', { meta: { api_version: 20260417 }, id: 'cs_1' }],
      ['no_such_tool', {}],
    ] as const) {
      const e = await callError(name, args);
      expect(e.code, `${name} ${JSON.stringify(args)}`).toBe(-32602);
    }
  });

  it('applies meta.idempotency_key with the REST semantics', async () => {
    h = await connect();
    const first = await call('create_checkout_session', createArgs('key-a'));
    const replay = await call('create_checkout_session', createArgs('key-a'));
    expect(replay.structuredContent).toEqual(first.structuredContent);
    const conflict = await callError('create_checkout_session', createArgs('key-a', [{ id: 'ebook_mcp' }]));
    expect(conflict.code).toBe(-32000);
    expect(conflict.data).toMatchObject({ code: 'idempotency_conflict' });
    // Without a key (optional in the binding) each call runs once: two distinct sessions.
    const noKey = { meta: { api_version: API_VERSION }, payload: createArgs().payload };
    const a = await call('create_checkout_session', noKey);
    const b = await call('create_checkout_session', noKey);
    expect(a.id).not.toBe(b.id);
    // ...and records nothing: no idempotency record for a keyless call, accepted or rejected.
    const records = h.checkout.store.stats().idempotencyRecords;
    await call('create_checkout_session', noKey);
    await callError('create_checkout_session', {
      meta: { api_version: API_VERSION },
      payload: { currency: 'usd' },
    });
    await callError('update_checkout_session', {
      meta: { api_version: API_VERSION },
      id: a.id,
      payload: { x: 1 },
    });
    expect(h.checkout.store.stats().idempotencyRecords).toBe(records);
    await h.close();
    // With requireIdempotencyKey the REST rule applies.
    h = await connect({ requireIdempotencyKey: true });
    const required = await callError('create_checkout_session', noKey);
    expect(required.data).toMatchObject({ code: 'idempotency_key_required' });
  });

  it('rejects the two legacy request examples that contradict the bundle (the bundle wins)', async () => {
    h = await connect();
    const examples = mcpExamples() as Record<string, { params: { arguments: Record<string, unknown> } }>;
    const created = await call('create_checkout_session', createArgs(undefined, [{ id: 'ebook_mcp' }]));
    const id = created.id as string;
    const update = structuredClone(examples.update_checkout_session_request!.params.arguments);
    update.id = id;
    const u = await callError('update_checkout_session', update);
    expect(u.code).toBe(-32000);
    expect((u.data as { param: string }).param).toMatch(/^\$\.payload\.selected_fulfillment_options\[0\]/);
    const complete = structuredClone(examples.complete_checkout_session_request!.params.arguments);
    complete.id = id;
    const c = await callError('complete_checkout_session', complete);
    expect(c.code).toBe(-32000);
    expect((c.data as { param: string }).param).toMatch(/^\$\.payload\.payment_data\.instrument/);
    expect(h.checkout.gateway.charges).toHaveLength(0);
  });

  it('a declined payment is a 200-style session with a payment_declined message, not an order', async () => {
    h = await connect();
    const created = await call('create_checkout_session', {
      ...createArgs(undefined, [{ id: 'ebook_mcp' }]),
    });
    const id = created.id as string;
    await call('update_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
      id,
      payload: { buyer: { email: 'ada@example.com' } },
    });
    const declined = await call('complete_checkout_session', {
      meta: { api_version: API_VERSION, idempotency_key: crypto.randomUUID() },
      id,
      payload: { payment_data: paymentData(MEMORY_TEST_TOKENS.declines) },
    });
    expect(declined.status).toBe('ready_for_payment');
    expectValid('CheckoutSession', declined.structuredContent);
    expect(JSON.stringify(declined.messages)).toContain('payment_declined');
  });

  it('verifies meta.signature / meta.timestamp when request signing is configured', async () => {
    const secret = 'acp_signing_secret';
    h = await connect({ requestSigning: { secrets: [secret] } });
    const args = createArgs(undefined, [{ id: 'ebook_mcp' }]);
    const unsigned = await callError('create_checkout_session', args);
    expect(unsigned.code).toBe(-32000);
    expect(unsigned.data).toMatchObject({ code: 'invalid_signature' });
    const signed = await signMcpToolCall(secret, { name: 'create_checkout_session', arguments: args });
    const forged = await callError('create_checkout_session', {
      ...args,
      meta: {
        ...args.meta,
        ...(await signMcpToolCall('wrong', { name: 'create_checkout_session', arguments: args })),
      },
    });
    expect(forged.data).toMatchObject({ code: 'invalid_signature' });
    const stale = await callError('create_checkout_session', {
      ...args,
      meta: { ...args.meta, timestamp: '2020-01-01T00:00:00Z', signature: signed.signature },
    });
    expect(stale.data).toMatchObject({ code: 'invalid_signature', param: '$.meta.timestamp' });
    // Signed for another tool (the tool name is the signed path): refused.
    const otherTool = await callError('create_checkout_session', {
      ...args,
      meta: {
        ...args.meta,
        ...(await signMcpToolCall(secret, { name: 'update_checkout_session', arguments: args })),
      },
    });
    expect(otherTool.data).toMatchObject({ code: 'invalid_signature' });
    // The idempotency key is covered too.
    const rekeyed = await callError('create_checkout_session', {
      ...args,
      meta: { ...args.meta, idempotency_key: 'another', ...signed },
    });
    expect(rekeyed.data).toMatchObject({ code: 'invalid_signature' });
    expect(await h.checkout.store.getSession('cs_test_0001')).toBeNull();
    const ok = await call('create_checkout_session', { ...args, meta: { ...args.meta, ...signed } });
    expect(ok.status).toBe('not_ready_for_payment');
    const replay = await callError('create_checkout_session', { ...args, meta: { ...args.meta, ...signed } });
    expect(replay.data).toMatchObject({
      code: 'invalid_signature',
      message: expect.stringMatching(/already used/),
    });
    // Shopper tools carry the signature in the request's _meta; the public catalog tools need none.
    const linkArgs = { checkout_session_id: ok.id as string };
    const unsignedLink = (await call('get_order', linkArgs)) as Result;
    expect(unsignedLink.isError).toBe(true);
    expect(JSON.stringify(unsignedLink.structuredContent)).toContain('invalid_signature');
    const s = await signMcpToolCall(secret, { name: 'get_order', arguments: linkArgs });
    const signedOrder = (await h.client.callTool({
      name: 'get_order',
      arguments: linkArgs,
      _meta: { 'dev.acp/signature': s.signature, 'dev.acp/timestamp': s.timestamp },
    })) as Result;
    expect(JSON.stringify(signedOrder.structuredContent)).toContain('order_not_found');
    const search = (await call('search_products', { query: 'mug' })) as Result;
    expect(search.isError).toBeFalsy();
  });
});
