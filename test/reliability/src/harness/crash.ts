// Crash: a server process is SIGKILLed at a deterministic point — right AFTER the PSP confirmed the charge
// and before the order is written (or right BEFORE the charge, after the attempt was committed). The server
// stops dead at that point (ACP_REL_CRASH), prints a marker, and this runner kills it. Two agents, one on REST
// and one on MCP, keep retrying their complete with the same idempotency key through the crash and the
// restart, as a real agent would. After the restart (payment lease passed, so start-up recovery may resume):
// the order exists, the card was charged once, and both agents got that order as their final answer.
import { randomBytes } from 'node:crypto';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import { type Agent, type Answer, type ClientStats, createAgent, newClientStats } from './agents.js';
import { createRunDatabase, type DatabaseKind } from './databases.js';
import { type ServerEnv, type ServerLine, type ServerProcess, startServer } from './processes.js';

export type CrashPoint = 'after_charge' | 'before_charge';

export interface CrashSessionReport {
  transport: 'rest' | 'mcp';
  sessionId: string;
  atCrash: { status: string; order: boolean; attempts: string[]; paymentIntents: number; succeeded: number };
  after: {
    status: string;
    orderId: string | null;
    paymentId: string | null;
    paymentIntents: number;
    succeeded: number;
  };
  clientAnswer: string;
}

export interface CrashReport {
  database: DatabaseKind;
  point: CrashPoint;
  killedSignal: string | null;
  startupRecovery: { resumed: number; stillPending: number };
  sessions: CrashSessionReport[];
  client: ClientStats;
  durationMs: number;
  violations: string[];
}

const API_KEY = { id: 'agent-crash', key: `sk_agent_crash_${randomBytes(12).toString('hex')}` };
/** Short lease and idempotency lock so the restarted server may take over within a CI-sized wait. */
const LEASE_SECONDS = 1;
const LOCK_SECONDS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runCrash(
  database: DatabaseKind,
  point: CrashPoint,
  log: (line: string) => void = () => undefined,
): Promise<CrashReport> {
  const started = Date.now();
  const violations: string[] = [];
  const stats = newClientStats();
  const db = await createRunDatabase(database, `crash${point === 'after_charge' ? 'a' : 'b'}`);
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  let emulator: StripeEmulator | undefined;
  const servers: ServerProcess[] = [];
  const agents: Agent[] = [];
  let inspection: Awaited<ReturnType<typeof db.open>> | undefined;
  try {
    emulator = await startStripeEmulator({ webhookRetryDelaysMs: [20, 100, 500, 1000, 2000] });
    const env = (instance: string, extra: Partial<ServerEnv>): ServerEnv => ({
      instance,
      store: db.serverStore,
      stripeUrl: emulator!.url,
      webhookSecret,
      apiKeys: [API_KEY],
      paymentLeaseSeconds: LEASE_SECONDS,
      idempotencyLockSeconds: LOCK_SECONDS,
      ...extra,
    });
    const first = await startServer(env(`crash-${database}`, { crash: point }));
    servers.push(first);
    emulator.addWebhookEndpoint({ url: `${first.url}/webhooks/payments`, secret: webhookSecret });

    const common = { baseUrl: first.url, apiKey: API_KEY.key, stripeUrl: emulator.url, stats };
    const rest = await createAgent('rest', 'crash-rest', common);
    const mcp = await createAgent('mcp', 'crash-mcp', common);
    agents.push(rest, mcp);

    // Two payable sessions with their tokens.
    const prepared: { agent: Agent; id: string; body: unknown; key: string }[] = [];
    for (const agent of [rest, mcp]) {
      const created = await agent.call({
        op: 'create',
        idempotencyKey: `crash-create-${agent.transport}`,
        body: {
          currency: 'usd',
          line_items: [{ id: 'ebook_mcp' }],
          buyer: { email: `crash-${agent.transport}@example.com` },
          capabilities: { interventions: { supported: [] } },
        },
      });
      if (!created.ok || created.body.status !== 'ready_for_payment') {
        throw new Error(`could not create a payable session: ${JSON.stringify(created)}`);
      }
      const id = String(created.body.id);
      const total = ((created.body.totals ?? []) as { type: string; amount: number }[]).find(
        (t) => t.type === 'total',
      )!.amount;
      const token = await agent.token(id, 'pm_card_visa', total);
      prepared.push({
        agent,
        id,
        key: `crash-complete-${agent.transport}`,
        body: {
          payment_data: {
            handler_id: 'card_tokenized',
            instrument: { type: 'card', credential: { type: 'spt', token } },
          },
        },
      });
    }

    // Both completes start; each agent retries (same key) through the crash until a final answer.
    const answers: Promise<Answer>[] = prepared.map((p) =>
      p.agent.call({ op: 'complete', id: p.id, body: p.body, idempotencyKey: p.key }),
    );
    for (const a of answers) a.catch(() => undefined);
    const markers: ServerLine[] = [];
    for (const p of prepared) {
      markers.push(await first.waitFor((l) => l.event === 'crash_point' && l.sessionId === p.id, 20_000));
    }
    const killed = await first.kill();
    log(`[crash ${database} ${point}] SIGKILLed at ${point} for ${markers.length} sessions`);

    // The crash window, as left in the database and at the PSP.
    inspection = await db.open();
    const store = inspection.store;
    const atCrash: CrashSessionReport['atCrash'][] = [];
    for (const p of prepared) {
      const s = await store.getSession(p.id);
      const attempts = await store.listPaymentAttempts(p.id);
      const pis = emulator.paymentIntents({ metadata: { acp_checkout_session_id: p.id } });
      const succeeded = pis.filter((pi) => pi.status === 'succeeded').length;
      atCrash.push({
        status: s?.state.status ?? 'missing',
        order: (await store.getOrderBySession(p.id)) !== null,
        attempts: attempts.map((a) => a.status),
        paymentIntents: pis.length,
        succeeded,
      });
      const expected = point === 'after_charge' ? 1 : 0;
      if (succeeded !== expected)
        violations.push(`${p.id}: ${succeeded} charges at the crash, expected ${expected}`);
      if (s?.state.status !== 'complete_in_progress')
        violations.push(`${p.id}: ${s?.state.status} at the crash`);
      if (atCrash.at(-1)!.order) violations.push(`${p.id}: an order existed before the crash window closed`);
    }

    // Restart once the payment lease has passed: start-up recovery settles both attempts before serving.
    await sleep(LEASE_SECONDS * 1000 + 200);
    const second = await startServer(env(`crash-${database}-restart`, { port: first.port }));
    servers.push(second);
    const startupRecovery = second.ready.recovered as { resumed: number; stillPending: number };
    const finals = await Promise.all(answers);

    const sessions: CrashSessionReport[] = [];
    for (const [i, p] of prepared.entries()) {
      const s = await store.getSession(p.id);
      const order = await store.getOrderBySession(p.id);
      const pis = emulator.paymentIntents({ metadata: { acp_checkout_session_id: p.id } });
      const succeeded = pis.filter((pi) => pi.status === 'succeeded');
      const answer = finals[i]!;
      const clientOrder = answer.ok ? (answer.body.order as { id?: string } | undefined)?.id : undefined;
      sessions.push({
        transport: p.agent.transport,
        sessionId: p.id,
        atCrash: atCrash[i]!,
        after: {
          status: s?.state.status ?? 'missing',
          orderId: order?.order.id ?? null,
          paymentId: order?.paymentId ?? null,
          paymentIntents: pis.length,
          succeeded: succeeded.length,
        },
        clientAnswer: answer.ok
          ? `${answer.status} ${String(answer.body.status)} ${clientOrder}`
          : `${answer.status} ${answer.error.code}`,
      });
      if (!order) violations.push(`${p.id}: no order after the restart`);
      if (succeeded.length !== 1) violations.push(`${p.id}: charged ${succeeded.length} times`);
      if (pis.length !== 1)
        violations.push(`${p.id}: ${pis.length} PaymentIntents created (expected exactly one)`);
      if (order && succeeded[0] && order.paymentId !== succeeded[0].id)
        violations.push(`${p.id}: order paid by another charge`);
      if (s?.state.status !== 'completed') violations.push(`${p.id}: ${s?.state.status} after the restart`);
      if (!clientOrder || clientOrder !== order?.order.id) {
        violations.push(
          `${p.id}: the client's final answer was ${sessions.at(-1)!.clientAnswer}, not the order`,
        );
      }
      const marker = markers[i]!;
      if (point === 'after_charge' && marker.paymentId !== order?.paymentId) {
        violations.push(
          `${p.id}: the order's payment ${order?.paymentId} is not the charge made before the crash (${String(marker.paymentId)})`,
        );
      }
    }
    if (startupRecovery.resumed !== prepared.length) {
      violations.push(`start-up recovery resumed ${startupRecovery.resumed} of ${prepared.length}`);
    }
    for (const u of stats.unexpected) violations.push(`unexpected answer: ${u}`);
    for (const g of stats.gaveUp) violations.push(`no final answer: ${g}`);

    const report: CrashReport = {
      database,
      point,
      killedSignal: killed.signal,
      startupRecovery,
      sessions,
      client: stats,
      durationMs: Date.now() - started,
      violations,
    };
    log(
      `[crash ${database} ${point}] ${JSON.stringify({ startupRecovery, sessions: sessions.map((s) => ({ ...s.atCrash, after: s.after, client: s.clientAnswer })), retries: stats.retries, violations })}`,
    );
    return report;
  } finally {
    await Promise.all(agents.map((a) => a.close()));
    for (const s of servers) await s.kill().catch(() => undefined);
    await inspection?.close();
    await emulator?.close();
    await db.dispose();
  }
}
