// Versioned schema migrations. Applied in order inside one `BEGIN IMMEDIATE` transaction, so several
// processes opening the same file at once serialize on SQLite's write lock: the first applies, the others
// wait (busy_timeout) and then find nothing left to do. Applied versions are recorded in
// `acp_schema_migrations` rather than `PRAGMA user_version`, so the tables can share a database file whose
// owner uses `user_version` for its own migrations.
//
// Times are stored as integer epoch milliseconds (sortable whatever the ISO spelling); documents (session
// state, order record, attempt, stored response) as JSON text, exactly as the engine produced them.
import type Database from 'better-sqlite3';

export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE acp_checkout_sessions (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  status      TEXT NOT NULL,
  state       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX acp_checkout_sessions_status_updated ON acp_checkout_sessions (status, updated_at, id);
CREATE INDEX acp_checkout_sessions_updated ON acp_checkout_sessions (updated_at, id);

CREATE TABLE acp_orders (
  id          TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL UNIQUE,
  payment_id  TEXT,
  record      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX acp_orders_payment ON acp_orders (payment_id, created_at, id) WHERE payment_id IS NOT NULL;
CREATE INDEX acp_orders_created ON acp_orders (created_at, id);

CREATE TABLE acp_payment_attempts (
  id          TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL,
  number      INTEGER NOT NULL,
  status      TEXT NOT NULL,
  payment_id  TEXT,
  attempt     TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX acp_payment_attempts_session ON acp_payment_attempts (session_id, number, id);

CREATE TABLE acp_idempotency_records (
  scope         TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
  lock_until    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  response      TEXT,
  PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX acp_idempotency_records_expires ON acp_idempotency_records (expires_at);
`,
  },
];

/** The newest schema version this package knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/**
 * Applies every pending migration in one IMMEDIATE transaction. Returns the versions applied by this call
 * (empty when another process got there first). Refuses a database migrated by a newer package version.
 */
export function migrateSqlite(db: Database.Database, now: () => Date = () => new Date()): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS acp_schema_migrations (
      version     INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      applied_at  TEXT NOT NULL
    ) STRICT`);
    const rows = db.prepare('SELECT version FROM acp_schema_migrations').all() as { version: number }[];
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > SQLITE_SCHEMA_VERSION) {
      throw new Error(
        `The ACP tables are at schema version ${newest}, newer than this @acp/store-sqlite supports (${SQLITE_SCHEMA_VERSION}). Upgrade the package.`,
      );
    }
    const record = db.prepare(
      'INSERT INTO acp_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    const done: number[] = [];
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
      done.push(m.version);
    }
    return done;
  });
  return run.immediate();
}
