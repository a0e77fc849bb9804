import { catalogContract } from '@acp/core/contracts';
import { createSqliteStore } from '@acp/store-sqlite';
import { describe, expect, it } from 'vitest';
import { catalogProducts } from '../src/catalog.js';
import { createDemoCatalog } from '../src/inventory.js';

const products = catalogProducts('http://127.0.0.1:8787');
const known = products.find((p) => p.id === 'mug_stoneware')!;

catalogContract('demo catalog (memory)', async () => ({
  catalog: await createDemoCatalog(products, { kind: 'memory' }),
  known,
}));
catalogContract('demo catalog (sqlite)', async () => {
  const store = createSqliteStore({ filename: ':memory:' });
  return { catalog: await createDemoCatalog(products, { kind: 'sqlite', database: store.database }), known };
});

describe('demo inventory on SQLite', () => {
  it('persists stock across catalog instances on one database and decrements once per order', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    const a = await createDemoCatalog(products, { kind: 'sqlite', database: store.database });
    await a.commitInventory!({ orderId: 'ord_1', lines: [{ productId: 'tote_canvas', quantity: 1 }] });
    const b = await createDemoCatalog(products, { kind: 'sqlite', database: store.database });
    expect(await b.stock('tote_canvas')).toBe(1);
    await b.commitInventory!({ orderId: 'ord_1', lines: [{ productId: 'tote_canvas', quantity: 1 }] });
    expect(await a.stock('tote_canvas')).toBe(1);
    const inStock = await b.search({ query: 'print', inStockOnly: true });
    expect(inStock.products.map((p) => p.id)).not.toContain('print_limited');
    store.close();
  });
});
