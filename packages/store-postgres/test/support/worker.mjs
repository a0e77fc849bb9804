// A separate checkout "server" process for the cross-process tests: the shared worker body
// (@acp/test-support) on the BUILT PostgreSQL store against a schema shared with other processes, and the
// shared test PSP.   node worker.mjs '<json options>'   — prints one JSON object per line on stdout.
import { runCheckoutWorker } from '@acp/test-support';
import { createPostgresStore } from '../../dist/index.js';
import { createSharedPostgresPsp } from './shared-psp.mjs';

const opts = JSON.parse(process.argv[2]);
let store;
await runCheckoutWorker(opts, {
  async openStore() {
    store = await createPostgresStore({
      connectionString: opts.url,
      schema: opts.schema,
      poolConfig: { max: opts.poolMax ?? 5 },
    });
    return store;
  },
  createGateway: (hooks) => createSharedPostgresPsp(store.pool, opts.schema, hooks),
  close: () => store.close(),
});
