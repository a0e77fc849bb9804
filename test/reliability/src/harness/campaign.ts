// The fault campaign. One run:
//   1. a fresh database (SQLite file or PostgreSQL schema), the Stripe emulator IN THIS PROCESS (so it outlives
//      any server), N server processes (behind a round-robin proxy when N > 1), webhooks to the front URL;
//   2. seeded faults on every Stripe call the servers make (latency, 500, 429, dropped connections, lost
//      responses after a committed charge) and webhook chaos (deliveries held, flushed in reverse order,
//      duplicated);
//   3. concurrent agents over REST and MCP take each session from create to paid: SPT completes (declines
//      retried with another card and a new key, some completes sent twice at once with the same key), hosted
//      payment links paid on the emulator's page (some after a declined card on that page); in storm mode
//      every session is completed by several concurrent callers at once, in key groups across REST and MCP;
//   4. faults off, webhooks drained, every server stopped and one restarted (start-up recovery);
//   5. the invariants, from the emulator's records and the store: see `checkInvariants`.
import { randomBytes } from 'node:crypto';
import type { CheckoutStoreV1, OrderRecord, StoredSession } from '@acp/core';
import { type FaultKind, type StripeEmulator, seededRandom, startStripeEmulator } from '@acp/stripe-emulator';
import {
  type Agent,
  type Answer,
  type ClientStats,
  createAgent,
  DEFAULT_RETRY,
  type JsonObject,
  newClientStats,
  type RetryPolicy,
  type Transport,
} from './agents.js';
import { allOrders, allSessions, createRunDatabase, type DatabaseKind } from './databases.js';
import { type ServerEnv, type ServerProcess, startServer } from './processes.js';
import { type RoundRobinProxy, startRoundRobinProxy } from './proxy.js';

export interface CampaignOptions {
  name: string;
  database: DatabaseKind;
  /** Server processes on the one database; more than one are put behind a round-robin proxy. */
  instances: number;
  sessions: number;
  /** Sessions in flight at once (each driven by its own agent). */
  concurrency: number;
  seed: number;
  /** Probability that a Stripe call of a server gets a fault (0.1–0.3 in the campaign). */
  faultRate: number;
  /** Share of MCP sessions paid through a hosted payment link. */
  linkShare: number;
  /** Share of SPT sessions whose first card declines (then paid with another card and a new key). */
  declineShare: number;
  /** Share of SPT sessions whose first complete is sent twice at once with the same key (REST + MCP). */
  duplicateShare: number;
  /** Storm mode: every session is completed by this many concurrent callers (key groups of two). 0 = off. */
  stormCallers: number;
  /** Probability that a delivered webhook event is delivered again. */
  webhookDuplicateRate: number;
  /** stripe-node's own retries in the servers (0: every lost answer reaches core's reconcile path). */
  stripeRetries: number;
  retry?: RetryPolicy;
  log?: (line: string) => void;
}

export interface CampaignReport {
  name: string;
  database: DatabaseKind;
  instances: number;
  seed: number;
  faultRate: number;
  sessions: number;
  sessionsByKind: Record<string, number>;
  client: Omit<ClientStats, 'unexpected' | 'gaveUp'> & { unexpected: number; gaveUp: number };
  stripeRequests: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
  lostChargeResponses: number;
  webhooks: {
    events: number;
    deliveries: number;
    failedDeliveries: number;
    duplicated: number;
    reversedBatches: number;
  };
  paymentIntents: { created: number; succeeded: number; declined: number };
  charges: number;
  orders: number;
  declinedAttempts: number;
  /** Storm callers' final answers by kind. */
  stormAnswers: Record<string, number>;
  /**
   * Core finding 2: answers that report another request's payment (a caller told "completed" although its
   * token did not pay, or "declined" although its token was never charged).
   */
  misattributedAnswers: { completed: number; declined: number };
  /** Core finding 1 workaround: completes re-sent under a new key (see ClientStats.keySwitches). */
  keySwitches: number;
  /** Core finding 3: sessions whose create_payment_link kept failing with 500 (paid by SPT instead). */
  stuckLinks: number;
  /** Core finding 1: sessions whose paying request never got its own final answer (stored 409). */
  lostAnswers: number;
  proxy?: { forwarded: Record<string, number>; failures: number };
  finalRecovery: { resumed: number; stillPending: number };
  statuses: Record<string, number>;
  durationMs: number;
  violations: string[];
}

const SUCCESS_CARDS = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex'];
const DECLINE_CARDS = ['pm_card_visa_chargeDeclined', 'pm_card_visa_chargeDeclinedInsufficientFunds'];
const PRODUCTS = [
  { id: 'ebook_mcp', physical: false },
  { id: 'mug_classic', physical: true },
  { id: 'tee_black', physical: true },
];
const ADDRESS = {
  name: 'Ada Lovelace',
  line_one: '1 Analytical Way',
  city: 'San Francisco',
  state: 'CA',
  country: 'US',
  postal_code: '94131',
};
const API_KEYS = [
  { id: 'agent-a', key: `sk_agent_a_${randomBytes(12).toString('hex')}` },
  { id: 'agent-b', key: `sk_agent_b_${randomBytes(12).toString('hex')}` },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SessionPlan {
  index: number;
  transport: Transport;
  product: { id: string; physical: boolean };
  quantity: number;
  pay: 'spt' | 'link';
  firstCard: string;
  duplicate: boolean;
  pageDeclineFirst: boolean;
}

interface SessionRecord {
  plan: SessionPlan;
  id?: string;
  /** The order id the client was told about (its final answer). */
  clientOrderId?: string;
  declines: number;
  problems: string[];
  /** Storm mode: each caller's final answer, with the token its group sent. */
  groupAnswers: GroupAnswer[];
  /** Core finding 3: create_payment_link kept answering 500 for this session. */
  linkStuck?: boolean;
  /** Core finding 1: final answers lost to a stored 409 (the client read the order with a GET). */
  lostAnswers: number;
}

interface GroupAnswer {
  group: number;
  card: string;
  token: string;
  outcome: 'completed' | 'declined' | 'session_completed' | 'other';
}

function totalOf(session: JsonObject): number {
  const totals = (session.totals ?? []) as { type: string; amount: number }[];
  return totals.find((t) => t.type === 'total')?.amount ?? -1;
}

function orderIdOf(session: JsonObject): string | undefined {
  const order = session.order as { id?: string } | undefined;
  return order?.id;
}

function isDeclined(session: JsonObject): boolean {
  const messages = (session.messages ?? []) as { type?: string; code?: string }[];
  return session.status === 'ready_for_payment' && messages.some((m) => m.code === 'payment_declined');
}

const postForm = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const rng = seededRandom(options.seed);
  const retry = options.retry ?? DEFAULT_RETRY;
  const stats = newClientStats();
  const violations: string[] = [];
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const run = `${options.name}-${options.seed}-${Date.now().toString(36)}`;

  const db = await createRunDatabase(options.database, options.name.replace(/[^a-z0-9]/gi, '').slice(0, 12));
  let emulator: StripeEmulator | undefined;
  let proxy: RoundRobinProxy | undefined;
  let servers: ServerProcess[] = [];
  const agents: Agent[] = [];
  let chaos: ReturnType<typeof setInterval> | undefined;
  let inspection: Awaited<ReturnType<typeof db.open>> | undefined;
  try {
    emulator = await startStripeEmulator({
      webhookRetryDelaysMs: [20, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000],
    });
    const serverEnv = (instance: string, port?: number): ServerEnv => ({
      instance,
      store: db.serverStore,
      stripeUrl: emulator!.url,
      webhookSecret,
      apiKeys: API_KEYS,
      stripeRetries: options.stripeRetries,
      recoveryIntervalMs: 300,
      ...(port ? { port } : {}),
    });
    // Instances start one after the other (the first migrates; PostgreSQL would also cope with a race).
    for (let i = 0; i < options.instances; i++)
      servers.push(await startServer(serverEnv(`${options.name}-${i + 1}`)));
    if (options.instances > 1) proxy = await startRoundRobinProxy(servers.map((s) => s.url));
    const front = proxy ? proxy.url : servers[0]!.url;
    emulator.addWebhookEndpoint({ url: `${front}/webhooks/payments`, secret: webhookSecret });
    log(`[${options.name}] ${options.instances} server(s) on ${options.database}, front ${front}`);

    // Webhook chaos: everything is held, then flushed every few ms in random order, with duplicates.
    emulator.webhooks.pause();
    let seenEvents = 0;
    let duplicated = 0;
    let reversedBatches = 0;
    const chaosRng = seededRandom(options.seed ^ 0x5eed);
    chaos = setInterval(() => {
      const em = emulator!;
      const events = em.events();
      for (const event of events.slice(seenEvents)) {
        if (chaosRng() < options.webhookDuplicateRate) {
          em.webhooks.redeliver(event.id);
          duplicated++;
        }
      }
      seenEvents = events.length;
      const reverse = chaosRng() < 0.5;
      const n = em.webhooks.flush(reverse ? 'reverse' : 'fifo');
      if (reverse && n > 1) reversedBatches++;
    }, 25);

    emulator.setFaults({
      seed: options.seed,
      rate: options.faultRate,
      kinds: ['latency', 'server_error', 'rate_limited', 'drop_connection', 'lost_response'],
      match: [
        { path: '/v1/payment_intents' },
        { path: '/v1/shared_payment/granted_tokens' },
        { path: '/v1/checkout/sessions' },
      ],
      latencyMs: [0, 3],
      // Every kind at least twice whatever the seed draws, and the worst case (the charge is committed, the
      // answer is lost) three times.
      queue: [
        { kind: 'lost_response', method: 'POST', path: '/v1/payment_intents', times: 3 },
        { kind: 'lost_response', method: 'POST', path: '/v1/checkout/sessions', times: 1 },
        { kind: 'drop_connection', method: 'GET', path: '/v1/shared_payment/granted_tokens', times: 2 },
        { kind: 'rate_limited', method: 'GET', path: '/v1/shared_payment/granted_tokens', times: 2 },
        { kind: 'server_error', method: 'POST', path: '/v1/payment_intents', times: 2 },
        { kind: 'latency', method: 'POST', path: '/v1/payment_intents', ms: 250, times: 2 },
      ],
    });

    // Agents: one REST and one MCP client per slot, API keys alternating.
    const slots = Math.max(options.concurrency, options.stormCallers);
    const rest: Agent[] = [];
    const mcp: Agent[] = [];
    for (let i = 0; i < slots; i++) {
      const apiKey = API_KEYS[i % API_KEYS.length]!.key;
      const common = { baseUrl: front, apiKey, stripeUrl: emulator.url, stats, policy: retry };
      rest.push(await createAgent('rest', `rest-${i}`, common));
      mcp.push(await createAgent('mcp', `mcp-${i}`, common));
    }
    agents.push(...rest, ...mcp);

    const plans: SessionPlan[] = [];
    for (let i = 0; i < options.sessions; i++) {
      const transport: Transport = rng() < 0.5 ? 'rest' : 'mcp';
      const product = PRODUCTS[Math.floor(rng() * PRODUCTS.length)]!;
      const link = options.stormCallers === 0 && transport === 'mcp' && rng() < options.linkShare;
      const decline = rng() < options.declineShare;
      plans.push({
        index: i,
        transport,
        product,
        quantity: 1 + Math.floor(rng() * 3),
        pay: link ? 'link' : 'spt',
        firstCard: decline
          ? DECLINE_CARDS[Math.floor(rng() * DECLINE_CARDS.length)]!
          : SUCCESS_CARDS[Math.floor(rng() * SUCCESS_CARDS.length)]!,
        duplicate: options.stormCallers === 0 && !link && rng() < options.duplicateShare,
        pageDeclineFirst: link && rng() < 0.4,
      });
    }

    const records: SessionRecord[] = plans.map((plan) => ({
      plan,
      declines: 0,
      problems: [],
      groupAnswers: [],
      lostAnswers: 0,
    }));
    const stormLosers: Record<string, number> = {};
    let next = 0;
    const worker = async (slot: number) => {
      for (let i = next++; i < records.length; i = next++) {
        const record = records[i]!;
        const agent = record.plan.transport === 'rest' ? rest[slot]! : mcp[slot]!;
        // The twin has the same API key (same idempotency scope) on the other transport.
        const twin = record.plan.transport === 'rest' ? mcp[slot]! : rest[slot]!;
        try {
          await driveSession(record, agent, twin, { rest, mcp, options, run, stormLosers });
        } catch (e) {
          record.problems.push(`client failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, (_, slot) => worker(slot)));
    log(`[${options.name}] clients done in ${Date.now() - started} ms`);

    // Faults off, webhooks drained, then every server stopped and one started again: start-up recovery.
    const stripeRequests = emulator.requests.length;
    const faultsInjected: Partial<Record<FaultKind, number>> = {};
    for (const r of emulator.requests)
      if (r.fault) faultsInjected[r.fault] = (faultsInjected[r.fault] ?? 0) + 1;
    const lostChargeResponses = emulator.requests.filter(
      (r) => r.fault === 'lost_response' && r.method === 'POST' && r.path === '/v1/payment_intents',
    ).length;
    emulator.setFaults({});
    clearInterval(chaos);
    chaos = undefined;
    emulator.webhooks.resume();
    await emulator.webhooks.idle();
    for (const s of servers) await s.stop();
    const restarted = await startServer(serverEnv(`${options.name}-recovery`, servers[0]!.port));
    servers = [restarted];
    proxy?.setUpstreams([restarted.url]);
    const recovered = restarted.ready.recovered as { resumed: number; stillPending: number };
    await emulator.webhooks.idle();

    // ------------------------------------------------------------------ invariants
    inspection = await db.open();
    const sessions = await allSessions(inspection.store);
    const orders = await allOrders(inspection.store);
    const check = await checkInvariants(emulator, inspection.store, sessions, orders, records);
    violations.push(...check.violations);
    for (const u of stats.unexpected) violations.push(`client got an answer outside the contract: ${u}`);
    for (const g of stats.gaveUp) violations.push(`client got no final answer: ${g}`);
    if (recovered.stillPending > 0)
      violations.push(`start-up recovery left ${recovered.stillPending} pending`);

    const statuses: Record<string, number> = {};
    for (const s of sessions) statuses[s.state.status] = (statuses[s.state.status] ?? 0) + 1;
    const kinds: Record<string, number> = {};
    for (const p of plans) {
      const k = `${p.transport}/${p.pay}${p.duplicate ? '+dup' : ''}${p.pageDeclineFirst ? '+page-decline' : ''}`;
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    const deliveries = emulator.webhooks.deliveries;
    const report: CampaignReport = {
      name: options.name,
      database: options.database,
      instances: options.instances,
      seed: options.seed,
      faultRate: options.faultRate,
      sessions: options.sessions,
      sessionsByKind: kinds,
      client: { ...stats, unexpected: stats.unexpected.length, gaveUp: stats.gaveUp.length },
      stripeRequests,
      faultsInjected,
      lostChargeResponses,
      webhooks: {
        events: emulator.events().length,
        deliveries: deliveries.length,
        failedDeliveries: deliveries.filter((d) => d.status < 200 || d.status >= 300).length,
        duplicated,
        reversedBatches,
      },
      paymentIntents: {
        created: emulator.paymentIntents().length,
        succeeded: emulator.paymentIntents({ status: 'succeeded' }).length,
        declined: emulator.paymentIntents({ status: 'requires_payment_method' }).length,
      },
      charges: check.charges,
      orders: orders.length,
      declinedAttempts: records.reduce((n, r) => n + r.declines, 0),
      stormAnswers: stormLosers,
      misattributedAnswers: check.misattributed,
      keySwitches: stats.keySwitches,
      stuckLinks: records.filter((r) => r.linkStuck).length,
      lostAnswers: records.reduce((n, r) => n + r.lostAnswers, 0),
      ...(proxy ? { proxy: { forwarded: { ...proxy.forwarded }, failures: proxy.failures } } : {}),
      finalRecovery: recovered,
      statuses,
      durationMs: Date.now() - started,
      violations,
    };
    log(`[${options.name}] ${summarize(report)}`);
    return report;
  } finally {
    if (chaos) clearInterval(chaos);
    await Promise.all(agents.map((a) => a.close()));
    for (const s of servers) await s.kill().catch(() => undefined);
    await proxy?.close();
    await inspection?.close();
    await emulator?.close();
    await db.dispose();
  }
}

interface DriveContext {
  rest: Agent[];
  mcp: Agent[];
  options: CampaignOptions;
  run: string;
  stormLosers: Record<string, number>;
}

/** One session from create to a final payment outcome, as its agent would do it. */
async function driveSession(
  record: SessionRecord,
  agent: Agent,
  twin: Agent,
  ctx: DriveContext,
): Promise<void> {
  const { plan } = record;
  const key = (step: string) => `${ctx.run}-${plan.index}-${step}`;
  const created = await agent.call({
    op: 'create',
    idempotencyKey: key('create'),
    body: {
      currency: 'usd',
      line_items: [{ id: plan.product.id, quantity: plan.quantity }],
      buyer: { email: `buyer${plan.index}@example.com`, first_name: 'Ada' },
      capabilities: { interventions: { supported: [] } },
      ...(plan.product.physical ? { fulfillment_details: { name: 'Ada Lovelace', address: ADDRESS } } : {}),
    },
  });
  if (!created.ok) throw new Error(`create: ${JSON.stringify(created.error)}`);
  const id = String(created.body.id);
  record.id = id;
  let session = created.body;
  if (plan.product.physical) {
    const options = (session.fulfillment_options ?? []) as { id: string; type: string }[];
    const shipping = options.find((o) => o.type === 'shipping');
    if (!shipping) throw new Error(`no shipping option on ${id}`);
    const updated = await agent.call({
      op: 'update',
      id,
      idempotencyKey: key('update'),
      body: {
        selected_fulfillment_options: [
          { type: 'shipping', option_id: shipping.id, item_ids: [plan.product.id] },
        ],
      },
    });
    if (!updated.ok) throw new Error(`update: ${JSON.stringify(updated.error)}`);
    session = updated.body;
  }
  if (session.status !== 'ready_for_payment')
    throw new Error(`${id} is ${String(session.status)}, not payable`);
  const total = totalOf(session);

  if (ctx.options.stormCallers > 0) return storm(record, id, total, ctx, agent);
  if (plan.pay === 'link') return payByLink(record, agent, id);

  for (let attempt = 0; attempt < 4; attempt++) {
    const card = attempt === 0 ? plan.firstCard : 'pm_card_visa';
    const token = await agent.token(id, card, total);
    const body = {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token } },
      },
    };
    const request = { op: 'complete' as const, id, body, idempotencyKey: key(`complete-${attempt}`) };
    const callers = plan.duplicate && attempt === 0 ? [agent, twin] : [agent];
    const answers = await Promise.all(callers.map((a) => a.call(request)));
    const outcomes = answers.map(describe);
    if (new Set(outcomes).size > 1) {
      record.problems.push(`same key, different answers: ${outcomes.join(' | ')}`);
    }
    const first = answers[0]!;
    if (first.ok && first.body.status === 'completed') {
      record.clientOrderId = orderIdOf(first.body);
      if (!record.clientOrderId) record.problems.push('completed answer without an order');
      if (card.includes('Declined')) record.problems.push(`completed with the declining card ${card}`);
      return;
    }
    if (first.ok && isDeclined(first.body)) {
      record.declines++;
      if (!card.includes('Declined')) record.problems.push(`${card} declined`);
      continue;
    }
    if (!first.ok && first.error.code === 'session_completed' && first.keySwitched) {
      // Core finding 1: this key's answer was a stored 409 while the payment went through (resumed by
      // recovery); under its new key the request is told the session is completed. The agent reads the order.
      record.lostAnswers++;
      const got = await agent.call({ op: 'get', id });
      if (got.ok && got.body.status === 'completed') {
        record.clientOrderId = orderIdOf(got.body);
        return;
      }
    }
    record.problems.push(`complete ended with ${outcomes[0]}`);
    return;
  }
  record.problems.push('still not paid after 4 attempts');
}

function describe(a: Answer): string {
  if (!a.ok) return `${a.status} ${a.error.code}`;
  const order = orderIdOf(a.body);
  return `${a.status} ${String(a.body.status)}${order ? ` ${order}` : ''}${isDeclined(a.body) ? ' declined' : ''}`;
}

/** Hosted payment link: open it over MCP, pay on the emulator's page, wait for the webhook to complete it. */
async function payByLink(record: SessionRecord, agent: Agent, id: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (let round = 0; round < 5; round++) {
    const link = await agent.call({ op: 'payment_link', id, tolerate: { code: 'internal_error', after: 3 } });
    if (!link.ok && link.error.code === 'internal_error') {
      // Core finding 3: this session can no longer get a link. The agent pays by SPT instead.
      record.linkStuck = true;
      const got = await agent.call({ op: 'get', id });
      const total = got.ok ? totalOf(got.body) : -1;
      const token = await agent.token(id, 'pm_card_visa', total);
      const paid = await agent.call({
        op: 'complete',
        id,
        idempotencyKey: `${id}-link-fallback`,
        body: {
          payment_data: {
            handler_id: 'card_tokenized',
            instrument: { type: 'card', credential: { type: 'spt', token } },
          },
        },
      });
      if (paid.ok && paid.body.status === 'completed') record.clientOrderId = orderIdOf(paid.body);
      else record.problems.push(`SPT fallback after a stuck link ended with ${describe(paid)}`);
      return;
    }
    if (!link.ok) {
      record.problems.push(`create_payment_link: ${link.status} ${link.error.code}`);
      return;
    }
    const url = String(link.body.url);
    if (round === 0 && record.plan.pageDeclineFirst) {
      const declined = await postForm(url, { action: 'pay', payment_method: 'pm_card_visa_chargeDeclined' });
      if (declined !== 402) record.problems.push(`page decline answered ${declined}`);
      record.declines++;
    }
    // 303: paid. 409: the page was closed meanwhile (the decline's webhook expired the link).
    const paid = await postForm(url, { action: 'pay', payment_method: 'pm_card_visa' });
    if (paid !== 303 && paid !== 409) record.problems.push(`page payment answered ${paid}`);
    // Wait for the webhook(s) to move the ACP session out of in_progress.
    for (;;) {
      const got = await agent.call({ op: 'get', id });
      if (!got.ok) {
        record.problems.push(`get: ${got.status} ${got.error.code}`);
        return;
      }
      if (got.body.status === 'completed') {
        record.clientOrderId = orderIdOf(got.body);
        return;
      }
      if (got.body.status === 'ready_for_payment') break; // the link failed or expired: open a new one
      if (got.body.status !== 'in_progress') {
        record.problems.push(`link session became ${String(got.body.status)}`);
        return;
      }
      if (Date.now() > deadline) {
        record.problems.push('link session stayed in_progress');
        return;
      }
      await sleep(20);
    }
  }
  record.problems.push('link session not paid after 5 links');
}

/**
 * Storm: several callers complete the same session at once. Callers come in key groups of two (REST + MCP,
 * same API key, same key, same token): each group is one logical request. Group 0 may hold a declining card.
 * Each group's final answer is recorded with its token, so the invariant check can tell whose payment an
 * answer reports (see core finding 2).
 */
async function storm(
  record: SessionRecord,
  id: string,
  total: number,
  ctx: DriveContext,
  creator: Agent,
): Promise<void> {
  const { plan } = record;
  const groups = Math.ceil(ctx.options.stormCallers / 2);
  // A session belongs to the API key that created it (another key gets 404): every storm caller uses the
  // creator's key (slots alternate keys, so the slots of the creator's parity).
  const creatorSlot = ctx.rest.indexOf(creator) >= 0 ? ctx.rest.indexOf(creator) : ctx.mcp.indexOf(creator);
  const sameKey = ctx.rest
    .map((_, i) => i)
    .filter((i) => i % API_KEYS.length === creatorSlot % API_KEYS.length);
  const prepared: {
    group: number;
    card: string;
    token: string;
    agents: Agent[];
    body: JsonObject;
    key: string;
  }[] = [];
  for (let g = 0; g < groups; g++) {
    const slot = sameKey[(plan.index * groups + g) % sameKey.length]!;
    const agents = [ctx.rest[slot]!, ctx.mcp[slot]!].slice(0, Math.min(2, ctx.options.stormCallers - g * 2));
    const card = g === 0 ? plan.firstCard : SUCCESS_CARDS[g % SUCCESS_CARDS.length]!;
    const token = await agents[0]!.token(id, card, total);
    prepared.push({
      group: g,
      card,
      token,
      agents,
      key: `${ctx.run}-${plan.index}-storm-${g}`,
      body: {
        payment_data: {
          handler_id: 'card_tokenized',
          instrument: { type: 'card', credential: { type: 'spt', token } },
        },
      },
    });
  }
  const calls = prepared.flatMap((p) =>
    p.agents.map((a) => ({
      p,
      promise: a.call({ op: 'complete', id, body: p.body, idempotencyKey: p.key }),
    })),
  );
  const answers = await Promise.all(calls.map((c) => c.promise));
  const byGroup = new Map<number, Set<string>>();
  answers.forEach((a, i) => {
    const { p } = calls[i]!;
    const d = describe(a);
    byGroup.set(p.group, (byGroup.get(p.group) ?? new Set()).add(d));
    let outcome: GroupAnswer['outcome'] = 'other';
    if (a.ok && a.body.status === 'completed') {
      outcome = 'completed';
      const orderId = orderIdOf(a.body);
      if (record.clientOrderId && orderId !== record.clientOrderId) {
        record.problems.push(`two orders announced: ${record.clientOrderId} and ${orderId}`);
      }
      record.clientOrderId = orderId;
    } else if (a.ok && isDeclined(a.body)) {
      outcome = 'declined';
      record.declines++;
    } else if (!a.ok && a.error.code === 'session_completed') {
      outcome = 'session_completed';
    } else {
      record.problems.push(`storm caller ended with ${d}`);
    }
    ctx.stormLosers[outcome] = (ctx.stormLosers[outcome] ?? 0) + 1;
    record.groupAnswers.push({ group: p.group, card: p.card, token: p.token, outcome });
  });
  for (const [group, seen] of byGroup) {
    if (seen.size > 1)
      record.problems.push(`group ${group}: same key, different answers: ${[...seen].join(' | ')}`);
  }
  if (!record.clientOrderId && answers.some((a) => a.keySwitched)) {
    // Core finding 1: the winning group's own key was stuck on a stored 409; it learns the order by a GET.
    record.lostAnswers++;
    const got = await calls[0]!.p.agents[0]!.call({ op: 'get', id });
    if (got.ok && got.body.status === 'completed') record.clientOrderId = orderIdOf(got.body);
  }
  if (!record.clientOrderId) {
    record.problems.push(
      `no caller was told the order; answers: ${[...byGroup].map(([g, d]) => `${g}: ${[...d].join(' | ')}`).join('; ')}`,
    );
  }
}

/** The campaign's invariants, from the emulator's records (what Stripe charged) and the store. */
export async function checkInvariants(
  emulator: StripeEmulator,
  store: CheckoutStoreV1,
  sessions: StoredSession[],
  orders: OrderRecord[],
  records: SessionRecord[],
): Promise<{
  violations: string[];
  charges: number;
  misattributed: { completed: number; declined: number };
}> {
  const violations: string[] = [];
  const succeeded = emulator.paymentIntents({ status: 'succeeded' });
  const sessionOf = (pi: Record<string, unknown>) =>
    (pi.metadata as Record<string, string> | undefined)?.acp_checkout_session_id;

  // 1. Every checkout session charged at most once.
  const chargesBySession = new Map<string, Record<string, unknown>[]>();
  for (const pi of succeeded) {
    const sid = sessionOf(pi);
    if (!sid) {
      violations.push(`succeeded PaymentIntent ${String(pi.id)} carries no checkout session id`);
      continue;
    }
    chargesBySession.set(sid, [...(chargesBySession.get(sid) ?? []), pi]);
  }
  for (const [sid, pis] of chargesBySession) {
    if (pis.length > 1)
      violations.push(`session ${sid} charged ${pis.length} times: ${pis.map((p) => p.id).join(', ')}`);
  }

  // 2. Every succeeded charge has exactly one order (and every order has its charge).
  for (const pi of succeeded) {
    const order = await store.getOrderByPayment(String(pi.id));
    if (!order) violations.push(`charge ${String(pi.id)} (session ${sessionOf(pi)}) has no order`);
    else if (order.sessionId !== sessionOf(pi))
      violations.push(`charge ${String(pi.id)} has the order of another session`);
    else if (order.amount !== pi.amount)
      violations.push(`order ${order.order.id} amount ${order.amount} ≠ charge ${String(pi.amount)}`);
  }
  const ordersBySession = new Map<string, number>();
  for (const o of orders) ordersBySession.set(o.sessionId, (ordersBySession.get(o.sessionId) ?? 0) + 1);
  for (const [sid, n] of ordersBySession) if (n > 1) violations.push(`session ${sid} has ${n} orders`);
  const succeededIds = new Set(succeeded.map((p) => String(p.id)));
  for (const o of orders) {
    if (!o.paymentId || !succeededIds.has(o.paymentId)) {
      violations.push(`order ${o.order.id} has no succeeded charge (${o.paymentId ?? 'no payment id'})`);
    }
  }
  if (orders.length !== succeeded.length)
    violations.push(`${orders.length} orders for ${succeeded.length} charges`);

  // 3. No session stuck in progress after recovery; completed ⇔ charged.
  for (const s of sessions) {
    const st = s.state.status;
    if (st === 'complete_in_progress' || st === 'in_progress')
      violations.push(`session ${s.state.id} stuck in ${st}`);
    const charged = chargesBySession.has(s.state.id);
    if ((st === 'completed') !== charged)
      violations.push(`session ${s.state.id} is ${st} but charged=${charged}`);
  }

  // 4. What each client was told matches what happened; every session was paid in the end.
  for (const r of records) {
    for (const p of r.problems) violations.push(`session #${r.plan.index} ${r.id ?? '(not created)'}: ${p}`);
    if (!r.id) continue;
    const order = await store.getOrderBySession(r.id);
    if (!order) {
      if (r.problems.length === 0) violations.push(`session ${r.id} was never paid`);
      continue;
    }
    if (r.clientOrderId !== order.order.id) {
      violations.push(`session ${r.id}: client told order ${r.clientOrderId}, store has ${order.order.id}`);
    }
  }
  // 5. Storm: whose payment does each answer report? (observations for core finding 2, not violations)
  const misattributed = { completed: 0, declined: 0 };
  for (const r of records) {
    if (!r.id || r.groupAnswers.length === 0) continue;
    const attempts = await store.listPaymentAttempts(r.id);
    const order = await store.getOrderBySession(r.id);
    const paidBy = attempts.find((a) => a.id === order?.attemptId)?.credentialToken;
    for (const g of r.groupAnswers) {
      if (g.outcome === 'completed' && paidBy !== g.token) misattributed.completed++;
      if (
        g.outcome === 'declined' &&
        !attempts.some((a) => a.status === 'declined' && a.credentialToken === g.token)
      ) {
        misattributed.declined++;
      }
    }
  }
  return { violations, charges: succeeded.length, misattributed };
}

export function summarize(r: CampaignReport): string {
  const faults = Object.entries(r.faultsInjected)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const retries = Object.entries(r.client.retries)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [
    `${r.sessions} sessions on ${r.database} x${r.instances} in ${r.durationMs} ms`,
    `client requests ${r.client.requests} (rest ${r.client.requestsByTransport.rest}, mcp ${r.client.requestsByTransport.mcp}), retries: ${retries || 'none'}`,
    `stripe requests ${r.stripeRequests}, faults: ${faults} (lost charge responses ${r.lostChargeResponses})`,
    `webhooks: ${r.webhooks.events} events, ${r.webhooks.deliveries} deliveries (${r.webhooks.failedDeliveries} failed, ${r.webhooks.duplicated} duplicated, ${r.webhooks.reversedBatches} reversed batches)`,
    `PaymentIntents ${r.paymentIntents.created} (succeeded ${r.paymentIntents.succeeded}), charges ${r.charges}, orders ${r.orders}, declines ${r.declinedAttempts}`,
    `final recovery ${JSON.stringify(r.finalRecovery)}, statuses ${JSON.stringify(r.statuses)}`,
    `core finding 1: ${r.keySwitches} key switches (${r.client.replayedRetrySafe} replayed retry-safe 409s seen on REST, ${r.lostAnswers} answers lost); core finding 2: misattributed answers ${JSON.stringify(r.misattributedAnswers)}; core finding 3: ${r.stuckLinks} stuck links${Object.keys(r.stormAnswers).length ? `; storm answers ${JSON.stringify(r.stormAnswers)}` : ''}`,
    `violations: ${r.violations.length}`,
  ].join('\n  ');
}
