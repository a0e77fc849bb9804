import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkoutStoreContract } from '@acp/core/contracts';
import { createSqliteStore } from '../src/index.js';

checkoutStoreContract('sqlite :memory:', () => {
  const store = createSqliteStore({ filename: ':memory:' });
  return { store, cleanup: () => store.close() };
});

checkoutStoreContract('sqlite file (WAL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acp-sqlite-'));
  const store = createSqliteStore({ filename: join(dir, 'checkout.db') });
  return {
    store,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
