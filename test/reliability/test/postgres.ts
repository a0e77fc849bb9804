// PostgreSQL availability for the PostgreSQL parts: with CI=true an unreachable server fails loudly; elsewhere
// those tests are skipped with a visible message.
import { PG_URL_REDACTED, probePostgres } from '../src/harness/databases.js';

export const pgUnavailable = await probePostgres();
if (pgUnavailable !== undefined) {
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL at ${PG_URL_REDACTED} is unreachable and CI=true: ${pgUnavailable}`);
  }
  console.warn(
    `\n[reliability] SKIPPING the PostgreSQL parts: ${PG_URL_REDACTED} is unreachable (${pgUnavailable}).\n` +
      'Start PostgreSQL or set ACP_TEST_POSTGRES_URL to run them.\n',
  );
}
