// Databases for a run: a fresh SQLite file in a temporary directory, or a fresh PostgreSQL schema
// (ACP_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test) dropped afterwards. The runner
// opens the same database through the store adapter to inspect what the servers wrote.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKOUT_STATUSES, type CheckoutStoreV1, type OrderRecord, type StoredSession } from '@acp/core';
import { createPostgresStore } from '@acp/store-postgres';
import { createSqliteStore } from '@acp/store-sqlite';
import pg from 'pg';
import type { ServerEnv } from './processes.js';

export const PG_URL = process.env.ACP_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const PG_URL_REDACTED = PG_URL.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/** Why PostgreSQL cannot be used here, or undefined when the server answers. */
export async function probePostgres(): Promise<string | undefined> {
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

export type DatabaseKind = 'sqlite' | 'postgres';

export interface RunDatabase {
  readonly kind: DatabaseKind;
  /** What a server process needs to open it. */
  readonly serverStore: ServerEnv['store'];
  /** A store on the same database, for inspection by the runner. */
  open(): Promise<InspectionStore>;
  /** Deletes the file / drops the schema. */
  dispose(): Promise<void>;
}

export interface InspectionStore {
  readonly store: CheckoutStoreV1;
  close(): Promise<void>;
}

let counter = 0;

export async function createRunDatabase(kind: DatabaseKind, tag: string): Promise<RunDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `acp-rel-${tag}-`));
    const file = join(dir, 'store.db');
    return {
      kind,
      serverStore: { kind: 'sqlite', file },
      async open() {
        const store = createSqliteStore({ filename: file });
        return { store, close: async () => store.close() };
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `acp_rel_${tag}_${process.pid}_${Date.now().toString(36)}_${++counter}`.toLowerCase();
  return {
    kind,
    serverStore: { kind: 'postgres', url: PG_URL, schema },
    async open() {
      const store = await createPostgresStore({ connectionString: PG_URL, schema, poolConfig: { max: 2 } });
      return { store, close: () => store.close() };
    },
    async dispose() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function allSessions(store: CheckoutStoreV1): Promise<StoredSession[]> {
  const out: StoredSession[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({
      statuses: CHECKOUT_STATUSES,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...page.sessions);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function allOrders(store: CheckoutStoreV1): Promise<OrderRecord[]> {
  const out: OrderRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listOrders({ limit: 200, ...(cursor ? { cursor } : {}) });
    out.push(...page.orders);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
