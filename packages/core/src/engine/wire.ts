// Domain → wire. Emits only fields the 2026-04-17 JSON Schema declares (almost every object is closed).

import type { ResolvedConfig } from '../config.js';
import type { FulfillmentOptionState, LineState, OrderRecord, SessionState } from '../domain.js';
import type {
  CheckoutSession,
  FulfillmentOptionDigital,
  FulfillmentOptionShipping,
  LineItem,
  Order,
  Total,
} from '../spec/2026-04-17/schemas.generated.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { LATEST_API_VERSION } from '../versions.js';
import { refundLedger, refundTotals } from './refunds.js';
import { sessionTotalsToWire } from './transitions.js';

/** A part of a stored object that an answer shares (see `toWireSession`). */
const shared = deepFreeze;

export function toWireLineItem(line: LineState): LineItem {
  const out: LineItem = {
    id: line.id,
    item: { id: line.itemId },
    quantity: line.quantity,
    name: line.name,
    unit_amount: line.unitAmount,
    product_id: line.itemId,
    availability_status: line.availabilityStatus,
    totals: [
      { type: 'items_base_amount', display_text: 'Base amount', amount: line.amounts.itemsBaseAmount },
      { type: 'items_discount', display_text: 'Discount', amount: line.amounts.itemsDiscount },
      { type: 'subtotal', display_text: 'Subtotal', amount: line.amounts.subtotal },
      { type: 'tax', display_text: 'Tax', amount: line.amounts.tax },
      { type: 'total', display_text: 'Total', amount: line.amounts.total },
    ],
  };
  if (line.description !== undefined) (out as { description?: string }).description = line.description;
  if (line.images.length > 0) out.images = [...line.images];
  if (line.sku !== undefined) out.sku = line.sku;
  if (line.category !== undefined) out.category = line.category;
  if (line.availableQuantity !== undefined) out.available_quantity = line.availableQuantity;
  if (line.maxQuantityPerOrder !== undefined) out.max_quantity_per_order = line.maxQuantityPerOrder;
  return out;
}

type WireOption = CheckoutSession['fulfillment_options'][number];

export function toWireFulfillmentOption(o: FulfillmentOptionState): WireOption {
  const totals: Total[] = [
    { type: 'subtotal', display_text: 'Subtotal', amount: o.subtotal },
    { type: 'tax', display_text: 'Tax', amount: o.tax },
    {
      type: 'total',
      display_text: o.type === 'digital' ? 'Delivery' : 'Shipping',
      amount: o.subtotal + o.tax,
    },
  ];
  if (o.type === 'digital') {
    const out: FulfillmentOptionDigital = { type: 'digital', id: o.id, title: o.title, totals };
    if (o.description !== undefined) out.description = o.description;
    return out;
  }
  // pickup / local_delivery options need data (location, window) the pricing port does not model yet; the
  // reference pricing only produces shipping and digital options.
  const out: FulfillmentOptionShipping = { type: 'shipping', id: o.id, title: o.title, totals };
  if (o.description !== undefined) out.description = o.description;
  if (o.carrier !== undefined) out.carrier = o.carrier;
  if (o.earliestDeliveryTime !== undefined) out.earliest_delivery_time = o.earliestDeliveryTime;
  if (o.latestDeliveryTime !== undefined) out.latest_delivery_time = o.latestDeliveryTime;
  return out;
}

/**
 * The wire order: its refund adjustments are the refund ledger (one per refund, latest status) and
 * `amount_refunded` is `refundTotals(record).refunded`. Like `toWireSession`, the result is a new object whose
 * parts shared with the record are frozen.
 */
export function toWireOrder(record: OrderRecord): Order {
  const order: Order = { ...shared(record.order) };
  if (order.adjustments?.some((a) => a.type === 'refund')) {
    const ledger = refundLedger(order);
    order.adjustments = [...order.adjustments.filter((a) => a.type !== 'refund'), ...ledger];
  }
  const { refunded } = refundTotals(record);
  if (refunded > 0) {
    order.totals = [
      ...(order.totals ?? []).filter((t) => t.type !== 'amount_refunded'),
      { type: 'amount_refunded', display_text: 'Refunded', amount: refunded },
    ];
  }
  return order;
}

/**
 * The wire session: new objects, except the parts it shares with `state` (buyer, fulfillment details,
 * selections, messages, capabilities, metadata) and the (frozen) configuration, which it deep-freezes (once:
 * a later version of the session shares those parts, already frozen). So a consumer changing its answer can
 * never change a stored session (a store that keeps objects hands out the very state rendered here).
 */
export function toWireSession(
  state: SessionState,
  config: ResolvedConfig,
  order?: OrderRecord | null,
): CheckoutSession {
  const out: CheckoutSession = {
    id: state.id,
    protocol: { version: LATEST_API_VERSION },
    capabilities: {
      ...(config.paymentHandlers.length > 0 ? { payment: { handlers: config.paymentHandlers } } : {}),
      ...shared(state.capabilities),
    },
    status: state.status,
    currency: state.currency,
    line_items: state.lines.map(toWireLineItem),
    fulfillment_options: state.fulfillmentOptions.map(toWireFulfillmentOption),
    totals: sessionTotalsToWire(state),
    messages: shared(state.notices.length > 0 ? [...state.messages, ...state.notices] : state.messages),
    links: config.links,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
    expires_at: state.expiresAt,
  };
  if (state.buyer) out.buyer = shared(state.buyer);
  if (state.fulfillmentDetails) out.fulfillment_details = shared(state.fulfillmentDetails);
  if (state.selectedFulfillmentOptions.length > 0)
    out.selected_fulfillment_options = shared(state.selectedFulfillmentOptions);
  if (state.status === 'authentication_required' && state.authenticationMetadata) {
    out.authentication_metadata = shared(state.authenticationMetadata);
  }
  if (state.status === 'in_progress' && state.paymentLink) out.continue_url = state.paymentLink.url;
  if (state.locale !== undefined) out.locale = state.locale;
  if (state.timezone !== undefined) out.timezone = state.timezone;
  if (state.metadata !== undefined) out.metadata = shared(state.metadata);
  if (state.quoteId !== undefined) out.quote_id = state.quoteId;
  if (order) out.order = toWireOrder(order);
  return out;
}
