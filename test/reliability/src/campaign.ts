// The reliability campaign by command:
//
//   node test/reliability/dist/campaign.js            the reduced run (what CI runs through vitest)
//   node test/reliability/dist/campaign.js --full     the full run
//   … [--seed N] [--json results.json] [--skip-postgres]
//
// Prints each part's figures, then a JSON report (to a file with --json). Exits 1 when any invariant is
// violated. PostgreSQL parts use ACP_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test): with
// CI=true an unreachable server is a failure; otherwise those parts are skipped with a visible message.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isCI } from '@acp/test-env';
import { type CampaignOptions, type CampaignReport, runCampaign } from './harness/campaign.js';
import { type CrashReport, runCrash } from './harness/crash.js';
import { PG_URL_REDACTED, probePostgres } from './harness/databases.js';
import { campaignPlan } from './harness/plan.js';
import { killAllServers } from './harness/processes.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    seed: { type: 'string' },
    json: { type: 'string' },
    'skip-postgres': { type: 'boolean', default: false },
  },
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const plan = campaignPlan(values.full ? 'full' : 'reduced', values.seed ? Number(values.seed) : undefined);

const pgProblem = values['skip-postgres'] ? 'skipped by --skip-postgres' : await probePostgres();
if (pgProblem !== undefined && !values['skip-postgres'] && isCI()) {
  log(`PostgreSQL at ${PG_URL_REDACTED} is unreachable in CI: ${pgProblem}`);
  process.exit(1);
}
if (pgProblem !== undefined) {
  log(`\n*** SKIPPING the PostgreSQL parts: ${PG_URL_REDACTED}: ${pgProblem} ***\n`);
}

const campaigns: CampaignReport[] = [];
const crashes: CrashReport[] = [];
const started = Date.now();
try {
  for (const options of plan.campaigns) {
    if (options.database === 'postgres' && pgProblem !== undefined) continue;
    campaigns.push(await runCampaign({ ...options, log } satisfies CampaignOptions));
  }
  for (const c of plan.crashes) {
    if (c.database === 'postgres' && pgProblem !== undefined) continue;
    crashes.push(await runCrash(c.database, c.point, log));
  }
} finally {
  await killAllServers();
}

const violations = [
  ...campaigns.flatMap((c) => c.violations.map((v) => `${c.name}: ${v}`)),
  ...crashes.flatMap((c) => c.violations.map((v) => `crash ${c.database} ${c.point}: ${v}`)),
];
const report = {
  mode: values.full ? 'full' : 'reduced',
  date: new Date().toISOString(),
  node: process.version,
  durationMs: Date.now() - started,
  postgres: pgProblem === undefined ? 'used' : `skipped: ${pgProblem}`,
  campaigns,
  crashes: crashes.map((c) => ({ ...c, client: { requests: c.client.requests, retries: c.client.retries } })),
  violations,
};
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
else log(JSON.stringify(report, null, 2));
log(
  violations.length === 0
    ? '\nOK: every invariant held.'
    : `\nFAILED: ${violations.length} violation(s):\n${violations.join('\n')}`,
);
process.exit(violations.length === 0 ? 0 : 1);
