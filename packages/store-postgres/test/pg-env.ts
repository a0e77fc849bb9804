// Test database: ACP_TEST_POSTGRES_URL (CI sets it), else the local default. Every store a test opens lives
// in its own schema, dropped afterwards. An unreachable server fails loudly in CI (@acp/test-env) and skips
// (with a visible message) elsewhere.
import { requireService } from '@acp/test-env';
import pg from 'pg';

export const PG_URL = process.env.ACP_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

const redacted = PG_URL.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

const problem = await probe();
requireService(
  `[@acp/store-postgres] PostgreSQL at ${redacted}`,
  problem,
  'Start PostgreSQL or set ACP_TEST_POSTGRES_URL to run them.',
);
/** Why PostgreSQL tests cannot run here, or undefined when the server answers. */
export const pgUnavailable = problem;

let counter = 0;
/** A schema name unique to this process and call. */
export function testSchema(tag: string): string {
  return `acp_test_${tag}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
