// Reduced fault campaign (CI): one server process on a SQLite file, the Stripe emulator in this process
// injecting every fault kind at 25 % with a fixed seed, webhooks held/reordered/duplicated, concurrent REST and
// MCP agents (SPT completes, declines, same-key duplicates, hosted links paid on the emulator's page), then a
// restart with start-up recovery. The full run is `pnpm --filter @acp/reliability-tests campaign`.
import { afterAll, expect, it } from 'vitest';
import { type CampaignReport, runCampaign, summarize } from '../src/harness/campaign.js';
import { reducedFaults } from '../src/harness/plan.js';
import { killAllServers } from '../src/harness/processes.js';

afterAll(killAllServers);

it('under faults every session is charged at most once, every charge has one order, no session is stuck and every client got a final answer', async () => {
  const report: CampaignReport = await runCampaign(reducedFaults());
  console.info(`[reliability] ${summarize(report)}`);

  // The invariants (each violation is listed with its session).
  expect(report.violations).toEqual([]);
  expect(report.client.unexpected).toBe(0);
  expect(report.client.gaveUp).toBe(0);
  expect(report.finalRecovery.stillPending).toBe(0);
  expect(report.statuses).toEqual({ completed: report.sessions });
  expect(report.charges).toBe(report.sessions);
  expect(report.orders).toBe(report.sessions);

  // The campaign really exercised what it claims.
  for (const kind of [
    'latency',
    'server_error',
    'rate_limited',
    'drop_connection',
    'lost_response',
  ] as const) {
    expect(report.faultsInjected[kind] ?? 0, kind).toBeGreaterThanOrEqual(2);
  }
  expect(report.lostChargeResponses).toBeGreaterThanOrEqual(3);
  expect(report.client.retries.payment_unavailable ?? 0).toBeGreaterThan(0);
  expect(report.webhooks.duplicated).toBeGreaterThan(0);
  expect(report.webhooks.reversedBatches).toBeGreaterThan(0);
  expect(report.client.requestsByTransport.rest).toBeGreaterThan(0);
  expect(report.client.requestsByTransport.mcp).toBeGreaterThan(0);
  expect(Object.keys(report.sessionsByKind).some((k) => k.includes('link'))).toBe(true);
  expect(Object.keys(report.sessionsByKind).some((k) => k.includes('+dup'))).toBe(true);
  expect(report.declinedAttempts).toBeGreaterThan(0);
});
