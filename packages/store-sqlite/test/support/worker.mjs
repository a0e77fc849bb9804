// A separate checkout "server" process for the cross-process tests: the shared worker body
// (@acp/test-support) on the BUILT SQLite store against a file shared with other processes, and the shared
// test PSP.   node worker.mjs '<json options>'   — prints one JSON object per line on stdout.
import { runCheckoutWorker } from '@acp/test-support';
import { createSqliteStore } from '../../dist/index.js';
import { createSharedSqlitePsp } from './shared-psp.mjs';

const opts = JSON.parse(process.argv[2]);
let store;
await runCheckoutWorker(opts, {
  async openStore() {
    store = createSqliteStore({ filename: opts.filename });
    return store;
  },
  createGateway: (hooks) => createSharedSqlitePsp(store.database, hooks),
  close: () => store.close(),
});
