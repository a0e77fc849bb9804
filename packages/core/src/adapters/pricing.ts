// Flat-rate pricing: a tax rate and shipping rates by country, for stores without a tax or shipping service.
import type { FulfillmentOptionQuote, PricingV1 } from '../ports.js';
import { isoOf, millisOf } from '../util/time.js';

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
        const start = millisOf(now);
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
            earliestDeliveryTime: isoOf(start + r.minDays * 86_400_000),
            latestDeliveryTime: isoOf(start + r.maxDays * 86_400_000),
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
