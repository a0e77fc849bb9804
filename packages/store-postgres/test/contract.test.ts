import { checkoutStoreContract } from '@acp/core/contracts';
import { describe } from 'vitest';
import { createPostgresStore } from '../src/index.js';
import { dropSchema, PG_URL, pgUnavailable, testSchema } from './pg-env.js';

describe.skipIf(pgUnavailable !== undefined)('postgres', () => {
  checkoutStoreContract('postgres', async () => {
    const schema = testSchema('contract');
    const store = await createPostgresStore({ connectionString: PG_URL, schema, poolConfig: { max: 6 } });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
});
