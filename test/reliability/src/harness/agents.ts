// Campaign clients ("agents"): the same ACP operations over REST (fetch) and over the MCP binding
// (@modelcontextprotocol/client over Streamable HTTP). Every operation is retried with the SAME idempotency
// key while the answer is a retry-safe error, until a final answer or the retry budget runs out, and every
// answer is classified and counted:
//
//   final       2xx, or a 4xx that is not one of the retry-safe codes below
//   retry-safe  409 idempotency_in_flight / payment_in_progress / concurrent_modification, 429, 503,
//               a network failure (reset, refused, dropped), a proxy 502
//   unexpected  anything else: 500 internal_error, another 5xx, a body that is not an ACP answer. Retried
//               too (core says a 500 is safe to retry), but counted: the campaign requires zero.
import { ACP_ERROR_CODES } from '@acp/core';
import { createStripeTestPayments } from '@acp/stripe';
import {
  Client,
  ProtocolError,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import Stripe from 'stripe';

export const API_VERSION = '2026-04-17';

export type Transport = 'rest' | 'mcp';

export interface AcpErrorBody {
  type?: string;
  code?: string;
  message?: string;
  param?: string;
}

export type JsonObject = Record<string, unknown>;

/** A final answer. */
export type Answer = (
  | { ok: true; status: number; body: JsonObject; replayed: boolean }
  | { ok: false; status: number; error: AcpErrorBody }
) & {
  /** The request was re-sent under a new key (core finding 1), so this answers the new key. */
  keySwitched?: boolean;
};

type Attempt =
  | { kind: 'final'; answer: Answer }
  | { kind: 'retry'; reason: string; replayed?: boolean }
  | { kind: 'unexpected'; reason: string; status?: number; error?: AcpErrorBody };

const RETRY_SAFE_CODES = new Set([
  'idempotency_in_flight',
  'payment_in_progress',
  'concurrent_modification',
  'rate_limited',
  'payment_unavailable',
  'service_unavailable',
]);

export interface ClientStats {
  requests: number;
  requestsByTransport: Record<Transport, number>;
  operations: number;
  /** Retry-safe answers that were retried, by reason (code, `network`, `proxy`). */
  retries: Record<string, number>;
  /** Answers outside the contract, with the operation. Must stay empty. */
  unexpected: string[];
  /** Operations that never reached a final answer within the budget. Must stay empty. */
  gaveUp: string[];
  /**
   * Core finding 1 (see test/core-findings.test.ts): a complete kept answering 409 payment_in_progress /
   * concurrent_modification for its key although the session had moved on, so the agent re-sent the same
   * body under a new key. `replayedRetrySafe` counts the REST answers that carried Idempotent-Replayed.
   */
  keySwitches: number;
  replayedRetrySafe: number;
  /** Answers of known server defects that the caller stopped retrying (see OperationRequest.tolerate). */
  tolerated: Record<string, number>;
}

export function newClientStats(): ClientStats {
  return {
    requests: 0,
    requestsByTransport: { rest: 0, mcp: 0 },
    operations: 0,
    retries: {},
    unexpected: [],
    gaveUp: [],
    keySwitches: 0,
    replayedRetrySafe: 0,
    tolerated: {},
  };
}

export interface RetryPolicy {
  /** Total time an operation may keep retrying. */
  budgetMs: number;
  /** First backoff; doubles up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 45_000, baseDelayMs: 10, maxDelayMs: 250 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function classifyError(status: number, error: AcpErrorBody, replayed = false): Attempt {
  if (error.code && RETRY_SAFE_CODES.has(error.code)) return { kind: 'retry', reason: error.code, replayed };
  if (status === 429 || status === 503)
    return { kind: 'retry', reason: error.code ?? String(status), replayed };
  if (status >= 500) {
    return {
      kind: 'unexpected',
      reason: `${status} ${error.code ?? ''} ${error.message ?? ''}`,
      status,
      error,
    };
  }
  if (!error.code || !error.type)
    return { kind: 'unexpected', reason: `${status} without an ACP error body` };
  return { kind: 'final', answer: { ok: false, status, error } };
}

function networkReason(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return `network:${typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'error'}`;
}

export interface OperationRequest {
  op: 'create' | 'get' | 'update' | 'complete' | 'cancel' | 'payment_link' | 'collect_payment_info';
  id?: string;
  body?: unknown;
  idempotencyKey?: string;
  /** collect_payment_info: the test PaymentMethod. */
  paymentMethodId?: string;
  /**
   * A known server defect to stop retrying on: after `after` answers with this error code, that answer is
   * returned as final and counted in `ClientStats.tolerated`, not in `unexpected` (core finding 3).
   */
  tolerate?: { code: string; after: number };
}

export interface Agent {
  readonly transport: Transport;
  readonly name: string;
  /** Runs one operation to a final answer (retrying retry-safe errors with the same key). */
  call(request: OperationRequest): Promise<Answer>;
  /** A Shared Payment Token for the session total (MCP: `collect_payment_info`; REST: the agent's own test helper). */
  token(sessionId: string, paymentMethodId: string, amount: number): Promise<string>;
  close(): Promise<void>;
}

abstract class BaseAgent implements Agent {
  abstract readonly transport: Transport;
  constructor(
    readonly name: string,
    protected readonly stats: ClientStats,
    protected readonly policy: RetryPolicy,
  ) {}

  protected abstract once(request: OperationRequest): Promise<Attempt>;

  private send(request: OperationRequest): Promise<Attempt> {
    this.stats.requests++;
    this.stats.requestsByTransport[this.transport]++;
    return this.once(request);
  }
  abstract token(sessionId: string, paymentMethodId: string, amount: number): Promise<string>;
  abstract close(): Promise<void>;

  async call(request: OperationRequest): Promise<Answer> {
    this.stats.operations++;
    const deadline = Date.now() + this.policy.budgetMs;
    let delay = this.policy.baseDelayMs;
    let last = '';
    let toleratedSeen = 0;
    for (;;) {
      const attempt = await this.send(request);
      if (attempt.kind === 'final') return attempt.answer;
      const tolerate = request.tolerate;
      if (attempt.kind === 'unexpected' && tolerate && attempt.error?.code === tolerate.code) {
        this.stats.tolerated[tolerate.code] = (this.stats.tolerated[tolerate.code] ?? 0) + 1;
        if (++toleratedSeen >= tolerate.after)
          return { ok: false, status: attempt.status ?? 500, error: attempt.error };
      } else if (attempt.kind === 'unexpected') {
        this.stats.unexpected.push(`${this.transport} ${request.op} ${request.id ?? ''}: ${attempt.reason}`);
      }
      last = attempt.reason;
      this.stats.retries[attempt.reason] = (this.stats.retries[attempt.reason] ?? 0) + 1;
      if (attempt.kind === 'retry' && attempt.replayed) this.stats.replayedRetrySafe++;
      // Retry-safe answers are retried with the SAME key: core never stores them (core finding 1, fixed), so
      // the retry gets the request's real outcome. Switching keys would turn it into another request.
      if (Date.now() + delay > deadline) {
        this.stats.gaveUp.push(`${this.transport} ${request.op} ${request.id ?? ''}: last answer ${last}`);
        throw new Error(
          `${this.name}: ${request.op} ${request.id ?? ''} got no final answer (last: ${last})`,
        );
      }
      await sleep(delay);
      delay = Math.min(this.policy.maxDelayMs, delay * 2);
    }
  }
}

export interface AgentOptions {
  baseUrl: string;
  apiKey: string;
  /** Emulator URL for the REST agent's own SPT test helper (the agent side of a payment). */
  stripeUrl: string;
  stats: ClientStats;
  policy?: RetryPolicy;
}

class RestAgent extends BaseAgent {
  readonly transport = 'rest' as const;
  private readonly payments;

  constructor(
    name: string,
    private readonly options: AgentOptions,
  ) {
    super(name, options.stats, options.policy ?? DEFAULT_RETRY);
    const u = new URL(options.stripeUrl);
    const stripe = new Stripe('sk_test_reliability_agent', {
      host: u.hostname,
      port: Number(u.port),
      protocol: 'http',
      maxNetworkRetries: 2,
    });
    this.payments = createStripeTestPayments({ stripe, secretKey: 'sk_test_reliability_agent' });
  }

  protected async once(r: OperationRequest): Promise<Attempt> {
    const path =
      r.op === 'create'
        ? '/checkout_sessions'
        : r.op === 'get' || r.op === 'update'
          ? `/checkout_sessions/${r.id}`
          : `/checkout_sessions/${r.id}/${r.op}`;
    const method = r.op === 'get' ? 'GET' : 'POST';
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      'api-version': API_VERSION,
    };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      headers['idempotency-key'] = r.idempotencyKey ?? crypto.randomUUID();
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.options.baseUrl + path, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify(r.body ?? {}) } : {}),
      });
      text = await res.text();
    } catch (e) {
      return { kind: 'retry', reason: networkReason(e) };
    }
    let body: JsonObject;
    try {
      body = JSON.parse(text) as JsonObject;
    } catch {
      return { kind: 'unexpected', reason: `${res.status} non-JSON body` };
    }
    if (res.status === 502 && 'proxy_error' in body) return { kind: 'retry', reason: 'proxy' };
    if (res.status >= 200 && res.status < 300) {
      return {
        kind: 'final',
        answer: {
          ok: true,
          status: res.status,
          body,
          replayed: res.headers.get('idempotent-replayed') === 'true',
        },
      };
    }
    return classifyError(res.status, body as AcpErrorBody, res.headers.get('idempotent-replayed') === 'true');
  }

  async token(_sessionId: string, paymentMethodId: string, amount: number): Promise<string> {
    const t = await this.payments.tokenFromPaymentMethod(paymentMethodId, { amount, currency: 'usd' });
    return t.shared_payment_token;
  }

  async close(): Promise<void> {}
}

const BINDING_TOOLS = {
  create: 'create_checkout_session',
  get: 'get_checkout_session',
  update: 'update_checkout_session',
  complete: 'complete_checkout_session',
  cancel: 'cancel_checkout_session',
} as const;

class McpAgent extends BaseAgent {
  readonly transport = 'mcp' as const;

  constructor(
    name: string,
    options: AgentOptions,
    private readonly client: Client,
  ) {
    super(name, options.stats, options.policy ?? DEFAULT_RETRY);
  }

  protected async once(r: OperationRequest): Promise<Attempt> {
    let toolName: string;
    let args: JsonObject;
    if (r.op === 'payment_link') {
      toolName = 'create_payment_link';
      args = { checkout_session_id: r.id };
    } else if (r.op === 'collect_payment_info') {
      toolName = 'collect_payment_info';
      args = { sessionId: r.id, paymentMethodId: r.paymentMethodId };
    } else {
      toolName = BINDING_TOOLS[r.op];
      const meta: JsonObject = { api_version: API_VERSION };
      if (r.op !== 'get') meta.idempotency_key = r.idempotencyKey ?? crypto.randomUUID();
      args = { meta };
      if (r.id !== undefined) args.id = r.id;
      if (r.body !== undefined) args.payload = r.body;
    }
    let result: JsonObject;
    try {
      result = (await this.client.callTool(
        { name: toolName, arguments: args },
        { timeout: 30_000 },
      )) as JsonObject;
    } catch (e) {
      if (e instanceof ProtocolError) {
        if (e.code !== -32000) return { kind: 'unexpected', reason: `JSON-RPC ${e.code} ${e.message}` };
        const error = (e.data ?? {}) as AcpErrorBody;
        const known = error.code
          ? (ACP_ERROR_CODES as Record<string, { status: number }>)[error.code]
          : undefined;
        return classifyError(known?.status ?? 500, error);
      }
      if (e instanceof SdkHttpError) {
        // An HTTP answer that is not MCP: the proxy's bad gateway is a network failure, anything else is not.
        const text = typeof e.data.text === 'string' ? e.data.text : '';
        if (e.status === 502 && text.includes('proxy_error')) return { kind: 'retry', reason: 'proxy' };
        return { kind: 'unexpected', reason: `HTTP ${e.status} on /mcp: ${text.slice(0, 200)}` };
      }
      return { kind: 'retry', reason: networkReason(e) };
    }
    const structured = (result.structuredContent ?? {}) as JsonObject;
    if (result.isError === true) {
      const error = (structured.error ?? {}) as AcpErrorBody;
      const known = error.code
        ? (ACP_ERROR_CODES as Record<string, { status: number }>)[error.code]
        : undefined;
      return classifyError(known?.status ?? 500, error);
    }
    const meta = (result._meta ?? {}) as JsonObject;
    return {
      kind: 'final',
      answer: {
        ok: true,
        status: 200,
        body: structured,
        replayed: meta['dev.acp/idempotent_replayed'] === true,
      },
    };
  }

  async token(sessionId: string, paymentMethodId: string): Promise<string> {
    const a = await this.call({ op: 'collect_payment_info', id: sessionId, paymentMethodId });
    if (!a.ok) throw new Error(`collect_payment_info failed: ${JSON.stringify(a.error)}`);
    return String(a.body.shared_payment_token);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

export async function createAgent(transport: Transport, name: string, options: AgentOptions): Promise<Agent> {
  if (transport === 'rest') return new RestAgent(name, options);
  const policy = options.policy ?? DEFAULT_RETRY;
  const deadline = Date.now() + policy.budgetMs;
  for (let delay = policy.baseDelayMs; ; delay = Math.min(policy.maxDelayMs, delay * 2)) {
    const client = new Client({ name: `acp-reliability-${name}`, version: '1.0.0' });
    const transportImpl = new StreamableHTTPClientTransport(new URL(`${options.baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${options.apiKey}` } },
    });
    try {
      options.stats.requests++;
      options.stats.requestsByTransport.mcp++;
      await client.connect(transportImpl);
      return new McpAgent(name, options, client);
    } catch (e) {
      await client.close().catch(() => undefined);
      const reason = networkReason(e);
      options.stats.retries[reason] = (options.stats.retries[reason] ?? 0) + 1;
      if (Date.now() + delay > deadline) throw e;
      await sleep(delay);
    }
  }
}
