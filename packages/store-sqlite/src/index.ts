// @acp/store-sqlite: CheckoutStoreV1 on one SQLite file (better-sqlite3, WAL), the embedded default.
export {
  migrateSqlite,
  SQLITE_MIGRATIONS,
  SQLITE_SCHEMA_VERSION,
  type SqliteMigration,
} from './migrations.js';
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
