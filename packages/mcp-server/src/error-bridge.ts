// How a tool registered on a host's `McpServer` answers with a JSON-RPC error. Both SDK lines (v2 2.4.0 and
// 1.x 1.32.2) turn every error thrown by a `registerTool` callback into an `isError` result (the one exception
// is URL elicitation, -32042), and neither exposes, through its public API, the `tools/call` handler it
// installed, so a replacement handler could not pass the host's own tools through unchanged. The ACP binding
// requires JSON-RPC `-32000` errors. So the checkout tools stay ordinary registered tools (the host's tools,
// listing and `listChanged` are untouched), and a failing binding call records its JSON-RPC error under the
// request id: when the server sends the response to that request through its transport's public `send`, the
// result is replaced by the error. Nothing else is touched; a response the bridge did not mark passes as is.
import type { JsonRpcErrorObject } from './neutral.js';

/** The part of an MCP SDK transport (either line) the bridge uses: `send`. */
export interface BridgeableTransport {
  // biome-ignore lint/suspicious/noExplicitAny: the two SDK lines type messages and options differently
  send(message: any, options?: any): Promise<void>;
}

/** The part of an MCP SDK low-level server (v2 `Server`, 1.x `Server`) the bridge uses. */
export interface BridgeableServer {
  // biome-ignore lint/suspicious/noExplicitAny: the two SDK lines type transports differently
  connect(transport: any): Promise<void>;
  readonly transport?: BridgeableTransport | undefined;
}

export interface JsonRpcErrorBridge {
  /** Answer the request `requestId` with `error` instead of the result the server is about to send. */
  fail(requestId: string | number, error: JsonRpcErrorObject): void;
}

/** Bound on marked requests whose response was never sent (a cancelled request is answered by nobody). */
const MAX_PENDING = 10_000;

const bridges = new WeakMap<object, JsonRpcErrorBridge>();
const wrapped = new WeakSet<object>();

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The bridge of one low-level server (one per server, however many registrations). It wraps the `send` of the
 * transport the server is connected to, now or at its next `connect`.
 */
export function jsonRpcErrorBridge(server: BridgeableServer): JsonRpcErrorBridge {
  const existing = bridges.get(server);
  if (existing) return existing;
  const pending = new Map<string | number, JsonRpcErrorObject>();

  const rewrite = (message: unknown): unknown => {
    if (pending.size === 0 || !isRecord(message) || !('result' in message)) return message;
    const id = message.id;
    if (typeof id !== 'string' && typeof id !== 'number') return message;
    const error = pending.get(id);
    if (!error) return message;
    pending.delete(id);
    return { jsonrpc: '2.0', id, error };
  };
  const wrap = (transport: BridgeableTransport): void => {
    if (wrapped.has(transport)) return;
    wrapped.add(transport);
    const send = transport.send.bind(transport);
    transport.send = (message, options) => send(rewrite(message), options);
  };

  const connect = server.connect.bind(server);
  server.connect = (transport: BridgeableTransport) => {
    pending.clear();
    wrap(transport);
    return connect(transport);
  };
  if (server.transport) wrap(server.transport);

  const bridge: JsonRpcErrorBridge = {
    fail(requestId, error) {
      if (pending.size >= MAX_PENDING) {
        const oldest = pending.keys().next();
        if (!oldest.done) pending.delete(oldest.value);
      }
      pending.set(requestId, error);
    },
  };
  bridges.set(server, bridge);
  return bridge;
}

/**
 * The `isError` result a registered binding tool returns while its JSON-RPC error is bridged: what a client
 * sees only if the response does not go through the bridged transport.
 */
export function bridgedErrorResult(error: JsonRpcErrorObject): {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError: true;
} {
  return {
    content: [{ type: 'text', text: `JSON-RPC error ${error.code}: ${error.message}` }],
    ...(isRecord(error.data) ? { structuredContent: { error: error.data } } : {}),
    isError: true,
  };
}
