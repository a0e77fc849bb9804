// Two server instances on one PostgreSQL schema behind a round-robin proxy; every session is completed by six
// concurrent callers at once (three key groups, each a REST and an MCP caller sharing a key), under faults and
// webhook chaos. Same invariants as the fault campaign.
import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign, summarize } from '../src/harness/campaign.js';
import { reducedStorm } from '../src/harness/plan.js';
import { killAllServers } from '../src/harness/processes.js';
import { pgUnavailable } from './postgres.js';

afterAll(killAllServers);

describe.skipIf(pgUnavailable !== undefined)('two instances on one PostgreSQL', () => {
  it('a storm of concurrent completes on the same sessions: one charge and one order per session', async () => {
    const report = await runCampaign(reducedStorm());
    console.info(`[reliability] ${summarize(report)}`);
    expect(report.violations).toEqual([]);
    expect(report.client.unexpected).toBe(0);
    expect(report.client.gaveUp).toBe(0);
    expect(report.statuses).toEqual({ completed: report.sessions });
    expect(report.charges).toBe(report.sessions);
    expect(report.orders).toBe(report.sessions);
    // Both instances served, and most callers lost the race with a typed final answer.
    const forwarded = Object.values(report.proxy?.forwarded ?? {});
    expect(forwarded).toHaveLength(2);
    for (const n of forwarded) expect(n).toBeGreaterThan(0);
    expect(report.stormAnswers.session_completed ?? 0).toBeGreaterThan(0);
    // Each session's paying group was told the order (or, under core finding 1, read it with a GET).
    expect((report.stormAnswers.completed ?? 0) + report.lostAnswers).toBeGreaterThanOrEqual(report.sessions);
  });
});
