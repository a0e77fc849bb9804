// The demo catalog: product data is static (catalog.ts); stock lives in the same database as the checkout
// store, so it survives restarts and is shared by the HTTP and stdio processes. commitInventory is
// idempotent per order (a commit table keyed by order id, in one transaction with the decrement).
import type { CatalogV1, Product, ProductSearch } from '@acp/core';
import { createMemoryCatalog } from '@acp/core/adapters';
import type Database from 'better-sqlite3';
import type { Pool } from 'pg';

export type InventoryBackend =
  | { kind: 'memory' }
  | { kind: 'sqlite'; database: Database.Database }
  | { kind: 'postgres'; pool: Pool; schema: string };

export interface DemoCatalog extends CatalogV1 {
  stock(productId: string): Promise<number | undefined>;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function createDemoCatalog(
  products: Product[],
  backend: InventoryBackend,
): Promise<DemoCatalog> {
  // Search, filtering and paging come from the in-memory catalog; stock is overlaid from the database.
  const base = createMemoryCatalog(products);
  const tracked = products.filter((p) => p.availableQuantity !== undefined);
  let readStock: (ids: readonly string[]) => Promise<Map<string, number>>;
  let commit: (orderId: string, lines: { productId: string; quantity: number }[]) => Promise<void>;

  if (backend.kind === 'memory') {
    readStock = async (ids) =>
      new Map(
        ids.flatMap((id) => {
          const s = base.stock(id);
          return s === undefined ? [] : [[id, s] as const];
        }),
      );
    commit = (orderId, lines) => base.commitInventory!({ orderId, lines });
  } else if (backend.kind === 'sqlite') {
    const db = backend.database;
    db.exec(`CREATE TABLE IF NOT EXISTS demo_inventory (product_id TEXT PRIMARY KEY, stock INTEGER NOT NULL CHECK (stock >= 0));
             CREATE TABLE IF NOT EXISTS demo_inventory_commits (order_id TEXT PRIMARY KEY, committed_at TEXT NOT NULL);`);
    const seed = db.prepare('INSERT OR IGNORE INTO demo_inventory (product_id, stock) VALUES (?, ?)');
    db.transaction(() => {
      for (const p of tracked) seed.run(p.id, p.availableQuantity);
    })();
    const select = db.prepare('SELECT product_id, stock FROM demo_inventory');
    const mark = db.prepare(
      'INSERT OR IGNORE INTO demo_inventory_commits (order_id, committed_at) VALUES (?, ?)',
    );
    const dec = db.prepare('UPDATE demo_inventory SET stock = MAX(0, stock - ?) WHERE product_id = ?');
    readStock = async () =>
      new Map((select.all() as { product_id: string; stock: number }[]).map((r) => [r.product_id, r.stock]));
    commit = async (orderId, lines) => {
      db.transaction(() => {
        if (mark.run(orderId, new Date().toISOString()).changes === 0) return;
        for (const l of lines) dec.run(l.quantity, l.productId);
      }).immediate();
    };
  } else {
    const { pool } = backend;
    const inv = `${quoteIdent(backend.schema)}.demo_inventory`;
    const commits = `${quoteIdent(backend.schema)}.demo_inventory_commits`;
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${inv} (product_id TEXT PRIMARY KEY, stock INTEGER NOT NULL CHECK (stock >= 0))`,
    );
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${commits} (order_id TEXT PRIMARY KEY, committed_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    for (const p of tracked) {
      await pool.query(`INSERT INTO ${inv} (product_id, stock) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        p.id,
        p.availableQuantity,
      ]);
    }
    readStock = async (ids) => {
      const r = await pool.query<{ product_id: string; stock: number }>(
        `SELECT product_id, stock FROM ${inv} WHERE product_id = ANY($1)`,
        [[...ids]],
      );
      return new Map(r.rows.map((row) => [row.product_id, row.stock]));
    };
    commit = async (orderId, lines) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const marked = await client.query(
          `INSERT INTO ${commits} (order_id) VALUES ($1) ON CONFLICT DO NOTHING`,
          [orderId],
        );
        if (marked.rowCount === 1) {
          for (const l of lines) {
            await client.query(`UPDATE ${inv} SET stock = GREATEST(0, stock - $1) WHERE product_id = $2`, [
              l.quantity,
              l.productId,
            ]);
          }
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    };
  }

  const overlay = async (list: Product[]): Promise<Product[]> => {
    const stock = await readStock(list.map((p) => p.id));
    return list.map((p) => (stock.has(p.id) ? { ...p, availableQuantity: stock.get(p.id)! } : p));
  };

  return {
    version: 1,
    getProducts: async (ids) => overlay(await base.getProducts(ids)),
    async search(q: ProductSearch) {
      // Stock filters must see live stock: search all, overlay, then filter and page.
      const { inStockOnly, limit, cursor, ...rest } = q;
      const all = await overlay((await base.search({ ...rest, limit: 100 })).products);
      const filtered = inStockOnly
        ? all.filter((p) => p.availableQuantity === undefined || p.availableQuantity > 0)
        : all;
      const start = cursor ? Number.parseInt(cursor, 10) || 0 : 0;
      const n = Math.max(1, Math.min(limit ?? 20, 100));
      return {
        products: filtered.slice(start, start + n),
        ...(start + n < filtered.length ? { nextCursor: String(start + n) } : {}),
      };
    },
    commitInventory: ({ orderId, lines }) => commit(orderId, lines),
    async stock(productId) {
      return (await readStock([productId])).get(productId);
    },
  };
}
