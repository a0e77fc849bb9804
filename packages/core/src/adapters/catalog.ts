// An in-memory catalog for stores whose products fit in memory (the demo's, a small shop's): production-ready,
// not a test double. Products are handed out frozen (read-only, shared between reads, no clone per request).
import type { CatalogV1, Product, ProductSearch } from '../ports.js';

// ------------------------------------------------------------------------------------------ catalog

export interface MemoryCatalog extends CatalogV1 {
  /** Current stock of a product (undefined when untracked). */
  stock(productId: string): number | undefined;
  setStock(productId: string, quantity: number | undefined): void;
  all(): Product[];
}

const tokenize = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);

/**
 * In-memory catalog with a token index: a query matches products having, for every query word, a token that
 * starts with that word (so "mug" finds "Mugs"). Lookups binary-search a sorted vocabulary and intersect
 * posting lists, so search cost follows the number of matches, not the catalog size.
 */
/** A product as the catalog hands it out: a frozen copy (never cloned per read; replaced, not changed). */
function frozen(p: Product): Product {
  const copy = structuredClone(p);
  for (const v of Object.values(copy)) if (v && typeof v === 'object') Object.freeze(v);
  return Object.freeze(copy);
}

export function createMemoryCatalog(products: readonly Product[]): MemoryCatalog {
  const items = new Map(products.map((p) => [p.id, frozen(p)]));
  const committed = new Set<string>();
  const order = products.map((p) => p.id);
  const postings = new Map<string, number[]>();
  for (const [index, p] of products.entries()) {
    const tokens = new Set(
      tokenize(`${p.id} ${p.name} ${p.description ?? ''} ${(p.tags ?? []).join(' ')} ${p.category ?? ''}`),
    );
    for (const t of tokens) {
      let list = postings.get(t);
      if (!list) {
        list = [];
        postings.set(t, list);
      }
      list.push(index);
    }
  }
  const vocabulary = [...postings.keys()].sort();

  /** Product indexes having a token that starts with `prefix`, ascending. */
  function matchesFor(prefix: string): number[] {
    let lo = 0;
    let hi = vocabulary.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vocabulary[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const lists: number[][] = [];
    for (let k = lo; k < vocabulary.length && vocabulary[k]!.startsWith(prefix); k++)
      lists.push(postings.get(vocabulary[k]!)!);
    if (lists.length === 1) return lists[0]!;
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }

  function candidates(words: string[]): Iterable<number> {
    if (words.length === 0) return order.keys();
    const lists = words.map(matchesFor).sort((a, b) => a.length - b.length);
    const [smallest, ...rest] = lists;
    if (!smallest || smallest.length === 0) return [];
    const others = rest.map((l) => new Set(l));
    return smallest.filter((i) => others.every((o) => o.has(i)));
  }

  return {
    version: 1,
    async getProducts(ids) {
      return ids.flatMap((id) => {
        const p = items.get(id);
        return p ? [p] : [];
      });
    },
    async search(q: ProductSearch) {
      const words = tokenize(q.query ?? '');
      const start = q.cursor ? Number.parseInt(q.cursor, 10) || 0 : 0;
      const limit = Math.max(1, Math.min(q.limit ?? 20, 100));
      const category = q.category?.toLowerCase();
      const page: Product[] = [];
      let matched = 0;
      let more = false;
      for (const index of candidates(words)) {
        const p = items.get(order[index]!)!;
        if (category && p.category?.toLowerCase() !== category) continue;
        if (q.maxUnitAmount !== undefined && p.unitAmount > q.maxUnitAmount) continue;
        if (q.inStockOnly && p.availableQuantity !== undefined && p.availableQuantity <= 0) continue;
        if (matched >= start + limit) {
          more = true;
          break;
        }
        if (matched >= start) page.push(p);
        matched++;
      }
      return { products: page, ...(more ? { nextCursor: String(start + limit) } : {}) };
    },
    async commitInventory({ orderId, lines }) {
      if (committed.has(orderId)) return;
      committed.add(orderId);
      for (const l of lines) {
        const p = items.get(l.productId);
        if (p && p.availableQuantity !== undefined)
          items.set(p.id, frozen({ ...p, availableQuantity: Math.max(0, p.availableQuantity - l.quantity) }));
      }
    },
    stock: (id) => items.get(id)?.availableQuantity,
    setStock(id, quantity) {
      const p = items.get(id);
      if (!p) return;
      const { availableQuantity: _, ...rest } = p;
      items.set(id, frozen(quantity === undefined ? rest : { ...rest, availableQuantity: quantity }));
    },
    all: () => order.map((id) => items.get(id)!),
  };
}
