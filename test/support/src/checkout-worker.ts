// The body of a checkout "server" process for the SQL stores' cross-process and crash tests: the real engine
// on the built packages, a store and a test PSP supplied by the caller's worker script (which only opens
// them), JSON lines on stdout.
// Modes: race (parallel completes + an update per session, after the parent says GO), crash (start
// completing, print CHARGED after the PSP charged, then hang until SIGKILLed), recover
// (recoverPendingPayments at start-up), retry (repeat the agent's complete requests with their keys), open
// (wait for GO, then open and migrate the database, then exit).
import { createInterface } from 'node:readline';
import {
  type ChargeRequest,
  type CheckoutStoreV1,
  createCheckoutService,
  type PaymentGatewayV1,
  type ServiceResult,
  tokenizedCardHandler,
} from '@acp/core';
import { createFlatRatePricing, createMemoryCatalog, createSystemClock } from '@acp/core/adapters';
import { createSequentialIds } from '@acp/core/testing';

export interface WorkerOptions {
  mode: 'race' | 'crash' | 'recover' | 'retry' | 'open';
  label: string;
  sessions: string[];
  callers?: number;
  updateFirst?: boolean;
  clockOffsetMs?: number;
}

export interface WorkerBackend {
  /** Opens (and migrates) the store on the shared database. */
  openStore(): Promise<CheckoutStoreV1>;
  /** The shared test PSP; `onCharged` runs after a charge is recorded, before its answer returns. */
  createGateway(hooks: { onCharged(req: ChargeRequest): Promise<void> }): PaymentGatewayV1;
  close(): Promise<void> | void;
}

const out = (obj: unknown) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function waitForGo(): Promise<void> {
  out({ ready: true });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) if (line.trim() === 'GO') break;
  rl.close();
}

export async function runCheckoutWorker(opts: WorkerOptions, backend: WorkerBackend): Promise<void> {
  // mode 'open': several processes open (and migrate) a fresh database at the same moment.
  if (opts.mode === 'open') await waitForGo();
  const store = await backend.openStore();
  if (opts.mode === 'open') {
    await backend.close();
    out({ done: true });
    process.exit(0);
  }
  const recording: CheckoutStoreV1 = {
    ...store,
    async commit(req) {
      const r = await store.commit(req);
      if (r.ok) {
        out({
          commit: {
            sessionId: req.session.id,
            from: req.expectedVersion,
            to: r.version,
            status: req.session.status,
          },
        });
      }
      return r;
    },
  };
  const gateway = backend.createGateway({
    onCharged: async (req) => {
      if (opts.mode !== 'crash') return;
      out({ charged: req.sessionId });
      await new Promise((resolve) => setTimeout(resolve, 120_000)); // "crash" window: the parent SIGKILLs us
    },
  });
  const system = createSystemClock();
  const service = createCheckoutService({
    store: recording,
    catalog: createMemoryCatalog([
      {
        id: 'ebook_mcp',
        name: 'The MCP Handbook (ebook)',
        unitAmount: 1999,
        currency: 'usd',
        fulfillment: 'digital',
      },
    ]),
    pricing: createFlatRatePricing({ taxRateBps: 875 }),
    gateway,
    clock: { now: () => new Date(system.now().getTime() + (opts.clockOffsetMs ?? 0)) },
    ids: createSequentialIds(`${opts.label}_${process.pid}`),
    config: {
      paymentHandlers: [
        tokenizedCardHandler({ psp: 'stripe', merchantId: 'acct_test_merchant', environment: 'test' }),
      ],
      interventions: { supported: ['3ds'], required: [], enforcement: 'conditional' },
      supportedCurrencies: ['usd'],
      orderPermalinkBase: 'https://shop.example.com/orders/',
    },
    logger: { warn: () => {}, error: (m, f) => out({ log: m, fields: f }) },
  });

  const paymentData = {
    handler_id: 'card_tokenized',
    instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
  };
  const ctx = (idempotencyKey: string) => ({ caller: 'agent_x', apiVersion: '2026-04-17', idempotencyKey });
  const summarize = (sessionId: string, kind: string, r: ServiceResult<unknown>) => {
    const body = r.body as { code?: string; status?: string; order?: { id: string } } | null;
    return {
      result: {
        sessionId,
        kind,
        status: r.status,
        code: body?.code,
        replayed: r.replayed,
        sessionStatus: body?.status,
        orderId: body?.order?.id,
      },
    };
  };
  const complete = (sessionId: string, key: string) =>
    service.completeSession(sessionId, { payment_data: paymentData }, ctx(key));

  if (opts.mode === 'race') {
    await waitForGo();
    const calls: Promise<unknown>[] = [];
    for (const sessionId of opts.sessions) {
      const update = () => {
        const body = { buyer: { email: 'buyer@example.com', first_name: opts.label } };
        calls.push(
          service
            .updateSession(sessionId, body, ctx(`${opts.label}_${sessionId}_update`))
            .then((r) => summarize(sessionId, 'update', r)),
        );
      };
      if (opts.updateFirst) update();
      for (let c = 0; c < (opts.callers ?? 1); c++) {
        const key = c === 0 ? `shared_${sessionId}` : `${opts.label}_${sessionId}_${c}`;
        calls.push(complete(sessionId, key).then((r) => summarize(sessionId, 'complete', r)));
      }
      if (!opts.updateFirst) update();
    }
    for (const r of await Promise.all(calls)) out(r);
  } else if (opts.mode === 'crash') {
    await Promise.all(opts.sessions.map((sessionId) => complete(sessionId, `crash_${sessionId}`)));
    out({ error: 'the crash window ended without a SIGKILL' });
  } else if (opts.mode === 'recover') {
    out({ recovered: await service.recoverPendingPayments() });
  } else if (opts.mode === 'retry') {
    for (const sessionId of opts.sessions) {
      out(summarize(sessionId, 'complete', await complete(sessionId, `crash_${sessionId}`)));
    }
  }
  await backend.close();
  out({ done: true });
}
