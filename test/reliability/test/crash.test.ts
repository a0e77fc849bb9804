// Crash between the charge and the order write: the server process stops dead right after Stripe confirmed
// the charge (ACP_REL_CRASH=after_charge) and is SIGKILLed there; it is restarted on the same database and
// port. Start-up recovery turns the charge into the order without charging again, and the two agents (REST and
// MCP), which kept retrying with their idempotency keys, get that order as their final answer.
import { afterAll, describe, expect, it } from 'vitest';
import { runCrash } from '../src/harness/crash.js';
import { killAllServers } from '../src/harness/processes.js';
import { pgUnavailable } from './postgres.js';

afterAll(killAllServers);

async function crashAndRestart(database: 'sqlite' | 'postgres') {
  const report = await runCrash(database, 'after_charge', (line) => console.info(`[reliability] ${line}`));
  expect(report.violations).toEqual([]);
  expect(report.killedSignal).toBe('SIGKILL');
  expect(report.startupRecovery).toEqual({ resumed: 2, stillPending: 0 });
  expect(report.sessions.map((s) => s.transport)).toEqual(['rest', 'mcp']);
  for (const s of report.sessions) {
    // The crash window: charged once at Stripe, attempt pending, no order.
    expect(s.atCrash).toEqual({
      status: 'complete_in_progress',
      order: false,
      attempts: ['pending'],
      paymentIntents: 1,
      succeeded: 1,
    });
    // After the restart: the order, paid by that one charge; no second PaymentIntent.
    expect(s.after.status).toBe('completed');
    expect(s.after.orderId).toMatch(/^ord_/);
    expect(s.after).toMatchObject({ paymentIntents: 1, succeeded: 1 });
    expect(s.clientAnswer).toBe(`200 completed ${s.after.orderId}`);
  }
}

it('SQLite: SIGKILL after the charge, restart → the order exists, charged once', async () => {
  await crashAndRestart('sqlite');
});

describe.skipIf(pgUnavailable !== undefined)('PostgreSQL', () => {
  it('SIGKILL after the charge, restart → the order exists, charged once', async () => {
    await crashAndRestart('postgres');
  });
});
