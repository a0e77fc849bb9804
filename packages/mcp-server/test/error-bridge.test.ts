// The error bridge on its own: only a marked response is replaced, once; a transport is wrapped once; the
// marks of responses never sent are bounded.
import { describe, expect, it } from 'vitest';
import { type BridgeableTransport, jsonRpcErrorBridge } from '../src/index.js';

function fakeServer() {
  const sent: unknown[] = [];
  const transport: BridgeableTransport = {
    async send(message) {
      sent.push(message);
    },
  };
  const server = {
    transport: undefined as BridgeableTransport | undefined,
    async connect(t: BridgeableTransport) {
      server.transport = t;
    },
  };
  return { server, transport, sent };
}

describe('jsonRpcErrorBridge', () => {
  it('replaces the result of a marked request by its error, once, and passes everything else', async () => {
    const { server, transport, sent } = fakeServer();
    const bridge = jsonRpcErrorBridge(server);
    expect(jsonRpcErrorBridge(server)).toBe(bridge);
    await server.connect(transport);
    bridge.fail(7, { code: -32000, message: 'nope', data: { code: 'session_not_found' } });
    await transport.send({ jsonrpc: '2.0', id: 6, result: { content: [] } });
    await transport.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { id: 7 } });
    await transport.send({ jsonrpc: '2.0', id: 7, result: { content: [], isError: true } });
    await transport.send({ jsonrpc: '2.0', id: 7, result: { content: [] } });
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 6, result: { content: [] } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { id: 7 } },
      {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32000, message: 'nope', data: { code: 'session_not_found' } },
      },
      { jsonrpc: '2.0', id: 7, result: { content: [] } },
    ]);
  });

  it('wraps an already connected transport, and each transport once', async () => {
    const { server, transport, sent } = fakeServer();
    await server.connect(transport);
    const bridge = jsonRpcErrorBridge(server);
    await server.connect(transport);
    bridge.fail('a', { code: -32602, message: 'bad' });
    await transport.send({ jsonrpc: '2.0', id: 'a', result: {} });
    expect(sent).toEqual([{ jsonrpc: '2.0', id: 'a', error: { code: -32602, message: 'bad' } }]);
  });

  it('forgets the oldest marks past 10,000 (responses never sent, e.g. cancelled requests)', async () => {
    const { server, transport, sent } = fakeServer();
    const bridge = jsonRpcErrorBridge(server);
    await server.connect(transport);
    for (let id = 0; id <= 10_000; id++) bridge.fail(id, { code: -32000, message: `e${id}` });
    await transport.send({ jsonrpc: '2.0', id: 0, result: {} });
    await transport.send({ jsonrpc: '2.0', id: 10_000, result: {} });
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 0, result: {} },
      { jsonrpc: '2.0', id: 10_000, error: { code: -32000, message: 'e10000' } },
    ]);
  });
});
