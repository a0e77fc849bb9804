// PostgreSQL availability for the PostgreSQL parts: in CI an unreachable server fails loudly; elsewhere
// those tests are skipped with a visible message.
import { requireService } from '@acp/test-env';
import { PG_URL_REDACTED, probePostgres } from '../src/harness/databases.js';

export const pgUnavailable = await probePostgres();
requireService(
  `[reliability] PostgreSQL at ${PG_URL_REDACTED}`,
  pgUnavailable,
  'Start PostgreSQL or set ACP_TEST_POSTGRES_URL to run the PostgreSQL parts.',
);
