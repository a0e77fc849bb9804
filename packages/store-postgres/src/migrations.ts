// Versioned schema migrations, applied in ONE transaction that first takes a transaction-scoped advisory
// lock keyed by the schema name: when several instances start at once, the first migrates and the others
// wait for its commit, then find nothing left to do. PostgreSQL DDL is transactional, so a failed migration
// leaves nothing half-applied. Applied versions are recorded in `<schema>.schema_migrations`.
//
// Documents (session state, order record, attempt, stored response) are `json`, not `jsonb`: `json` keeps
// the engine's text byte-for-byte (key order of replayed responses) and accepts every string the engine
// accepts (`jsonb` rejects `\u0000`). Cast to jsonb in ad-hoc queries. Ids use the "C" collation so keyset
// pagination orders exactly like the cursor compares, whatever the database's locale.
import type { Pool, PoolClient } from 'pg';

export interface PostgresMigration {
  version: number;
  name: string;
  /** SQL with `{schema}` standing for the quoted schema name. */
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE {schema}.checkout_sessions (
  id          text COLLATE "C" PRIMARY KEY,
  version     integer NOT NULL,
  status      text NOT NULL,
  state       json NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX checkout_sessions_status_updated ON {schema}.checkout_sessions (status, updated_at, id);
CREATE INDEX checkout_sessions_updated ON {schema}.checkout_sessions (updated_at, id);

CREATE TABLE {schema}.orders (
  id          text COLLATE "C" PRIMARY KEY,
  session_id  text NOT NULL UNIQUE,
  payment_id  text,
  record      json NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX orders_payment ON {schema}.orders (payment_id, created_at, id) WHERE payment_id IS NOT NULL;
CREATE INDEX orders_created ON {schema}.orders (created_at DESC, id DESC);

CREATE TABLE {schema}.payment_attempts (
  id          text PRIMARY KEY,
  session_id  text NOT NULL,
  number      integer NOT NULL,
  status      text NOT NULL,
  payment_id  text,
  attempt     json NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX payment_attempts_session ON {schema}.payment_attempts (session_id, number, id);

CREATE TABLE {schema}.idempotency_records (
  scope         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('in_flight', 'done')),
  lock_until    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  response      json,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_records_expires ON {schema}.idempotency_records (expires_at);
`,
  },
];

/** The newest schema version this package knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates and double-quotes a schema name. */
export function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new TypeError(
      `Invalid PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _ (max 63).`,
    );
  }
  return `"${schema}"`;
}

/**
 * Creates the schema if needed and applies every pending migration, serialized across instances by an
 * advisory lock. Returns the versions this call applied (empty when another instance got there first).
 */
export async function migratePostgres(pool: Pool, options: { schema?: string } = {}): Promise<number[]> {
  const schema = options.schema ?? 'acp';
  const q = quoteSchema(schema);
  const client: PoolClient = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `@acp/store-postgres:${schema}`,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_migrations`);
      const applied = new Set(rows.map((r) => Number(r.version)));
      const newest = Math.max(0, ...applied);
      if (newest > POSTGRES_SCHEMA_VERSION) {
        throw new Error(
          `Schema ${schema} is at version ${newest}, newer than this @acp/store-postgres supports (${POSTGRES_SCHEMA_VERSION}). Upgrade the package.`,
        );
      }
      const done: number[] = [];
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql.replaceAll('{schema}', q));
        await client.query(`INSERT INTO ${q}.schema_migrations (version, name) VALUES ($1, $2)`, [
          m.version,
          m.name,
        ]);
        done.push(m.version);
      }
      await client.query('COMMIT');
      return done;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw e;
    }
  } finally {
    client.release(broken);
  }
}
