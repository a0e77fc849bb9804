// The store option → a CheckoutStoreV1. SQLite and PostgreSQL drivers are optional peer dependencies, loaded on
// demand: a memory-only user installs neither better-sqlite3 nor pg.
import type { CheckoutStoreV1 } from '@acp/core';
import { createMemoryStore } from '@acp/store-memory';
import { CheckoutError } from './errors.js';
import type { StoreOption } from './options.js';

export interface OpenedStore {
  store: CheckoutStoreV1;
  kind: 'memory' | 'sqlite' | 'postgres' | 'custom';
  /** Closes what this package opened (nothing for a store you passed). */
  close(): Promise<void>;
}

/**
 * `postgres://user:pass@host:5432/db?password=…` → `postgres://host:5432/db`: scheme, host, port and database only
 * (a password may sit in the user info or the query string).
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '').split('/')[0] ?? '';
    return `${u.protocol}//${u.host}${db ? `/${db}` : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

const isModuleMissing = (e: unknown, name: string) =>
  typeof e === 'object' &&
  e !== null &&
  ((e as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' ||
    (e as { code?: unknown }).code === 'MODULE_NOT_FOUND') &&
  String((e as { message?: unknown }).message).includes(name);

/** Loads an optional driver package, or throws `store_driver_missing` saying what to install. */
export async function loadOptionalPackage<T>(
  name: string,
  path: string,
  importer: () => Promise<T>,
): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    if (isModuleMissing(e, name)) {
      throw new CheckoutError(
        'store_driver_missing',
        [{ path, message: `this store needs the ${name} package: npm install ${name}` }],
        { cause: e },
      );
    }
    throw e;
  }
}

export async function openStore(option: StoreOption | undefined): Promise<OpenedStore> {
  if (option === undefined || option === 'memory') {
    return { store: createMemoryStore(), kind: 'memory', close: async () => undefined };
  }
  if ('sqlite' in option && typeof option.sqlite === 'string') {
    const { createSqliteStore } = await loadOptionalPackage(
      '@acp/store-sqlite',
      'store.sqlite',
      () => import('@acp/store-sqlite'),
    );
    let sqlite: ReturnType<typeof createSqliteStore>;
    try {
      sqlite = createSqliteStore({ filename: option.sqlite });
    } catch (e) {
      if (isModuleMissing(e, 'better-sqlite3')) {
        throw new CheckoutError(
          'store_driver_missing',
          [
            {
              path: 'store.sqlite',
              message: 'the SQLite store needs better-sqlite3: npm install better-sqlite3',
            },
          ],
          { cause: e },
        );
      }
      throw new CheckoutError(
        'store_unavailable',
        [{ path: 'store.sqlite', message: `could not open the SQLite file: ${(e as Error).message}` }],
        { cause: e },
      );
    }
    return { store: sqlite, kind: 'sqlite', close: async () => sqlite.close() };
  }
  if ('postgres' in option && typeof option.postgres === 'string') {
    const url = option.postgres;
    const { createPostgresStore } = await loadOptionalPackage(
      '@acp/store-postgres',
      'store.postgres',
      () => import('@acp/store-postgres'),
    );
    try {
      const pg = await createPostgresStore({
        connectionString: url,
        ...(option.schema ? { schema: option.schema } : {}),
      });
      return { store: pg, kind: 'postgres', close: () => pg.close() };
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).replaceAll(url, '<url>');
      throw new CheckoutError(
        'store_unavailable',
        [
          {
            path: 'store.postgres',
            message: `could not connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${reason}`,
          },
        ],
        // The driver's error may quote the URL (and its password): not kept as the cause.
      );
    }
  }
  return { store: option as CheckoutStoreV1, kind: 'custom', close: async () => undefined };
}
