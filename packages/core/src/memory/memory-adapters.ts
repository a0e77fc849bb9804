// In-memory reference adapters for the catalog, pricing, clock, ids and events ports.
import type { DomainEvent } from '../domain.js';
import type {
  CatalogV1,
  Clock,
  EventSinkV1,
  FulfillmentOptionQuote,
  Ids,
  PricingV1,
  Product,
  ProductSearch,
} from '../ports.js';

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
export function createMemoryCatalog(products: readonly Product[]): MemoryCatalog {
  const items = new Map(products.map((p) => [p.id, structuredClone(p)]));
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
        return p ? [structuredClone(p)] : [];
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
        if (matched >= start) page.push(structuredClone(p));
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
          p.availableQuantity = Math.max(0, p.availableQuantity - l.quantity);
      }
    },
    stock: (id) => items.get(id)?.availableQuantity,
    setStock(id, quantity) {
      const p = items.get(id);
      if (!p) return;
      if (quantity === undefined) delete p.availableQuantity;
      else p.availableQuantity = quantity;
    },
    all: () => order.map((id) => structuredClone(items.get(id)!)),
  };
}

// ------------------------------------------------------------------------------------------ pricing

export interface ShippingRate {
  id: string;
  title: string;
  amount: number;
  carrier?: string;
  minDays: number;
  maxDays: number;
  description?: string;
}

export interface FlatRatePricingOptions {
  /** Tax rate in basis points (e.g. 875 = 8.75 %), applied to each line subtotal and rounded half up. */
  taxRateBps?: number;
  /** Tax shipping too (default false). */
  taxShipping?: boolean;
  shippingRates?: ShippingRate[];
  /** Free standard shipping from this subtotal (minor units). */
  freeShippingOver?: number;
  digitalOption?: { id: string; title: string; description?: string };
}

export const DEFAULT_SHIPPING_RATES: ShippingRate[] = [
  {
    id: 'ship_standard',
    title: 'Standard',
    amount: 500,
    carrier: 'USPS',
    minDays: 4,
    maxDays: 6,
    description: 'Arrives in 4-6 business days',
  },
  {
    id: 'ship_express',
    title: 'Express',
    amount: 1500,
    carrier: 'UPS',
    minDays: 1,
    maxDays: 2,
    description: 'Arrives in 1-2 business days',
  },
];

/** Reference pricing: one tax rate, fixed shipping rates (offered once an address is known), a digital option. */
export function createFlatRatePricing(options: FlatRatePricingOptions = {}): PricingV1 {
  const bps = options.taxRateBps ?? 0;
  const rates = options.shippingRates ?? DEFAULT_SHIPPING_RATES;
  const digital = options.digitalOption ?? {
    id: 'digital_delivery',
    title: 'Instant download',
    description: 'Delivered by email right after payment',
  };
  const tax = (amount: number) => Math.floor((amount * bps + 5000) / 10000);
  return {
    version: 1,
    async quote({ lines, address, now }) {
      const lineTaxes: Record<string, number> = {};
      for (const l of lines) lineTaxes[l.lineId] = tax(l.subtotal);
      const quoted: FulfillmentOptionQuote[] = [];
      const physical = lines.filter((l) => l.fulfillment === 'physical');
      const digitalLines = lines.filter((l) => l.fulfillment === 'digital');
      const physicalSubtotal = physical.reduce((a, l) => a + l.subtotal, 0);
      if (physical.length > 0 && address) {
        const start = Date.parse(now);
        for (const [index, r] of rates.entries()) {
          // Free shipping applies to the first (cheapest) rate only.
          const free =
            index === 0 &&
            options.freeShippingOver !== undefined &&
            physicalSubtotal >= options.freeShippingOver;
          const amount = free ? 0 : r.amount;
          const q: FulfillmentOptionQuote = {
            id: r.id,
            type: 'shipping',
            title: r.title,
            itemIds: physical.map((l) => l.productId),
            subtotal: amount,
            tax: options.taxShipping ? tax(amount) : 0,
            earliestDeliveryTime: new Date(start + r.minDays * 86_400_000).toISOString(),
            latestDeliveryTime: new Date(start + r.maxDays * 86_400_000).toISOString(),
          };
          if (r.carrier) q.carrier = r.carrier;
          if (r.description) q.description = free ? `${r.description} (free shipping)` : r.description;
          quoted.push(q);
        }
      }
      if (digitalLines.length > 0) {
        const q: FulfillmentOptionQuote = {
          id: digital.id,
          type: 'digital',
          title: digital.title,
          itemIds: digitalLines.map((l) => l.productId),
          subtotal: 0,
          tax: 0,
        };
        if (digital.description) q.description = digital.description;
        quoted.push(q);
      }
      return { lineTaxes, fulfillmentOptions: quoted };
    },
  };
}

// ------------------------------------------------------------------------------------------ clock, ids, events

export interface ManualClock extends Clock {
  set(date: Date | string): void;
  advance(ms: number): void;
}

/** A clock that only moves when told to (tests). */
export function createManualClock(start: Date | string = '2026-11-24T12:00:00.000Z'): ManualClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set(d) {
      t = new Date(d).getTime();
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** Sequential ids (`cs_test_0001`, `ord_test_0001`) with an optional prefix; deterministic for tests. */
export function createSequentialIds(prefix = 'test'): Ids {
  let s = 0;
  let o = 0;
  return {
    sessionId: () => `cs_${prefix}_${String(++s).padStart(4, '0')}`,
    orderId: () => `ord_${prefix}_${String(++o).padStart(4, '0')}`,
  };
}

export interface MemoryEventSink extends EventSinkV1 {
  readonly events: DomainEvent[];
}

export function createMemoryEventSink(): MemoryEventSink {
  const events: DomainEvent[] = [];
  return {
    version: 1,
    events,
    emit(event) {
      events.push(structuredClone(event));
    },
  };
}

/** The runtime's wall clock (`new Date()`); inject it in apps, a ManualClock in tests. */
export function createSystemClock(): Clock {
  return { now: () => new Date() };
}
