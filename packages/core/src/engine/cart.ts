// Pure cart evaluation: lines, fulfillment options, selections, totals, messages and the resulting status.
import type { ResolvedConfig } from '../config.js';
import type { FulfillmentOptionState, LineState, Message, SessionState, SessionTotals } from '../domain.js';
import { AcpError } from '../errors.js';
import { echoRedacted } from '../pan.js';
import type { PricingLineInput, PricingQuote, Product } from '../ports.js';
import type { ItemInput, SelectedFulfillmentOption } from '../spec/2026-04-17/schemas.generated.js';

export interface LineDraft {
  id: string;
  itemId: string;
  quantity: number;
  product: Product;
}

export const lineIdFor = (itemId: string): string => `li_${itemId}`;

/**
 * Longest catalog item id accepted in `line_items[*].id`. The ACP schema does not bound `Item.id`; catalog ids
 * are short, and a bound keeps an oversized id (up to the body limit) from reaching the catalog or an error.
 */
export const MAX_ITEM_ID_LENGTH = 256;

/**
 * Ids requested in `line_items`, in order, without duplicates. An id longer than `MAX_ITEM_ID_LENGTH` is
 * refused (`invalid`, `param` naming it) before the catalog is asked.
 */
export function requestedItemIds(items: readonly ItemInput[]): string[] {
  for (const [index, item] of items.entries()) {
    if (item.id.length > MAX_ITEM_ID_LENGTH) {
      throw new AcpError(
        'invalid',
        `$.line_items[${index}].id: must be at most ${MAX_ITEM_ID_LENGTH} characters (catalog item ids are short).`,
        { param: `$.line_items[${index}].id` },
      );
    }
  }
  return [...new Set(items.map((i) => i.id))];
}

/**
 * Resolves request items against the catalog. Duplicate ids are merged (quantities add up); a missing
 * `quantity` means 1 (2026-04-17 `Item` has none; digest §9 A2). Unknown ids and foreign currencies are
 * protocol errors with a JSONPath `param`: no valid line can be priced for them.
 */
export function resolveLines(
  items: readonly ItemInput[],
  products: readonly Product[],
  currency: string,
  config: ResolvedConfig,
): { ok: true; drafts: LineDraft[] } | { ok: false; error: AcpError } {
  const byId = new Map(products.map((p) => [p.id, p]));
  const drafts = new Map<string, LineDraft>();
  for (const [index, item] of items.entries()) {
    const product = byId.get(item.id);
    if (!product) {
      return {
        ok: false,
        error: new AcpError(
          'invalid_item_id',
          `No product with id "${echoRedacted(item.id)}" exists in this store.`,
          {
            param: `$.line_items[${index}].id`,
          },
        ),
      };
    }
    if (product.currency.toLowerCase() !== currency) {
      return {
        ok: false,
        error: new AcpError(
          'unsupported_currency',
          `Product "${item.id}" is sold in ${product.currency.toUpperCase()}, not ${currency.toUpperCase()}.`,
          { param: '$.currency' },
        ),
      };
    }
    const quantity = item.quantity ?? 1;
    const existing = drafts.get(item.id);
    const merged = (existing?.quantity ?? 0) + quantity;
    if (merged > config.maxLineQuantity) {
      return {
        ok: false,
        error: new AcpError(
          'invalid',
          `Quantity ${merged} is above the limit of ${config.maxLineQuantity} per item.`,
          {
            param: `$.line_items[${index}].quantity`,
          },
        ),
      };
    }
    drafts.set(item.id, { id: lineIdFor(item.id), itemId: item.id, quantity: merged, product });
  }
  return { ok: true, drafts: [...drafts.values()] };
}

export function pricingLines(drafts: readonly LineDraft[]): PricingLineInput[] {
  return drafts.map((d) => ({
    lineId: d.id,
    productId: d.product.id,
    quantity: d.quantity,
    fulfillment: d.product.fulfillment,
    subtotal: d.product.unitAmount * d.quantity,
  }));
}

/** Re-creates drafts from stored lines (an update that does not touch `line_items`). */
export function draftsFromState(lines: readonly LineState[], products: readonly Product[]): LineDraft[] {
  const byId = new Map(products.map((p) => [p.id, p]));
  return lines.map((l) => {
    const product =
      byId.get(l.itemId) ??
      ({
        id: l.itemId,
        name: l.name,
        unitAmount: l.unitAmount,
        currency: '',
        fulfillment: l.fulfillment,
        availableQuantity: 0,
        ...(l.description === undefined ? {} : { description: l.description }),
      } satisfies Product);
    return { id: l.id, itemId: l.itemId, quantity: l.quantity, product };
  });
}

function nonNegativeInt(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return 0;
  return Math.max(0, Math.round(n));
}

/** The ACP `availability_status` of a product for a wanted quantity (low stock at or below its threshold). */
export function productAvailability(product: Product, quantity = 1): LineState['availabilityStatus'] {
  const available = product.availableQuantity;
  if (available === undefined) return 'in_stock';
  if (available <= 0) return 'out_of_stock';
  if (available <= (product.lowStockThreshold ?? 5) || quantity > available) return 'low_stock';
  return 'in_stock';
}

export function buildLines(drafts: readonly LineDraft[], quote: PricingQuote): LineState[] {
  return drafts.map((d) => {
    const itemsBaseAmount = d.product.unitAmount * d.quantity;
    const itemsDiscount = 0;
    const subtotal = itemsBaseAmount - itemsDiscount;
    const tax = nonNegativeInt(quote.lineTaxes[d.id]);
    const line: LineState = {
      id: d.id,
      itemId: d.itemId,
      quantity: d.quantity,
      name: d.product.name,
      images: d.product.images ?? [],
      unitAmount: d.product.unitAmount,
      fulfillment: d.product.fulfillment,
      availabilityStatus: productAvailability(d.product, d.quantity),
      amounts: { itemsBaseAmount, itemsDiscount, subtotal, tax, total: subtotal + tax },
    };
    if (d.product.description !== undefined) line.description = d.product.description;
    if (d.product.sku !== undefined) line.sku = d.product.sku;
    if (d.product.category !== undefined) line.category = d.product.category;
    if (d.product.availableQuantity !== undefined)
      line.availableQuantity = Math.max(0, d.product.availableQuantity);
    if (d.product.maxQuantityPerOrder !== undefined) line.maxQuantityPerOrder = d.product.maxQuantityPerOrder;
    return line;
  });
}

export function buildOptions(quote: PricingQuote, lines: readonly LineState[]): FulfillmentOptionState[] {
  const itemIds = new Set(lines.map((l) => l.itemId));
  return quote.fulfillmentOptions
    .map((o) => {
      const option: FulfillmentOptionState = {
        id: o.id,
        type: o.type,
        title: o.title,
        itemIds: o.itemIds.filter((id) => itemIds.has(id)),
        subtotal: nonNegativeInt(o.subtotal),
        tax: nonNegativeInt(o.tax),
      };
      if (o.description !== undefined) option.description = o.description;
      if (o.carrier !== undefined) option.carrier = o.carrier;
      if (o.earliestDeliveryTime !== undefined) option.earliestDeliveryTime = o.earliestDeliveryTime;
      if (o.latestDeliveryTime !== undefined) option.latestDeliveryTime = o.latestDeliveryTime;
      return option;
    })
    .filter((o) => o.itemIds.length > 0);
}

const needsDelivery = (lines: readonly LineState[]) => lines.some((l) => l.fulfillment === 'physical');

/**
 * Applies the agent's selections (if any) on top of the previous ones, keeping only those that still match
 * an offered option, and auto-selects the digital option for digital goods. Invalid selections produce
 * notices with the offending JSONPath.
 */
export function selectOptions(
  options: readonly FulfillmentOptionState[],
  lines: readonly LineState[],
  previous: readonly SelectedFulfillmentOption[],
  requested: readonly SelectedFulfillmentOption[] | undefined,
): { selected: SelectedFulfillmentOption[]; notices: Message[] } {
  const notices: Message[] = [];
  const byId = new Map(options.map((o) => [o.id, o]));
  const chosen = new Map<string, FulfillmentOptionState>(); // by option type group: physical vs digital
  const groupOf = (o: FulfillmentOptionState) => (o.type === 'digital' ? 'digital' : 'physical');

  const source = requested ?? previous;
  for (const [index, sel] of source.entries()) {
    const option = byId.get(sel.option_id);
    if (!option || option.type !== sel.type) {
      if (requested) {
        notices.push({
          type: 'error',
          code: 'invalid',
          content_type: 'plain',
          content: option
            ? `Fulfillment option "${sel.option_id}" is a ${option.type} option, not ${sel.type}.`
            : `Fulfillment option "${sel.option_id}" is not offered for this cart. Choose one of: ${
                options.map((o) => o.id).join(', ') || 'none yet (add a shipping address first)'
              }.`,
          param: `$.selected_fulfillment_options[${index}].option_id`,
          resolution: 'requires_buyer_input',
        });
      }
      continue;
    }
    chosen.set(groupOf(option), option);
  }
  if (!chosen.has('digital') && lines.some((l) => l.fulfillment === 'digital')) {
    const digital = options.find((o) => o.type === 'digital');
    if (digital) chosen.set('digital', digital);
  }
  const selected = [...chosen.values()].map((o) => ({
    type: o.type,
    option_id: o.id,
    item_ids: [...o.itemIds],
  }));
  return { selected, notices };
}

export function computeTotals(
  lines: readonly LineState[],
  options: readonly FulfillmentOptionState[],
  selected: readonly SelectedFulfillmentOption[],
): SessionTotals {
  const sum = (f: (l: LineState) => number) => lines.reduce((acc, l) => acc + f(l), 0);
  const chosen = selected
    .map((s) => options.find((o) => o.id === s.option_id))
    .filter((o): o is FulfillmentOptionState => o !== undefined);
  const fulfillment = chosen.reduce((acc, o) => acc + o.subtotal, 0);
  const fulfillmentTax = chosen.reduce((acc, o) => acc + o.tax, 0);
  const itemsBaseAmount = sum((l) => l.amounts.itemsBaseAmount);
  const itemsDiscount = sum((l) => l.amounts.itemsDiscount);
  const subtotal = sum((l) => l.amounts.subtotal);
  const discount = 0;
  const tax = sum((l) => l.amounts.tax) + fulfillmentTax;
  return {
    itemsBaseAmount,
    itemsDiscount,
    subtotal,
    discount,
    fulfillment,
    tax,
    total: subtotal - discount + fulfillment + tax,
  };
}

const err = (
  code: Extract<Message, { type: 'error' }>['code'],
  content: string,
  param: string,
  resolution: 'recoverable' | 'requires_buyer_input' | 'requires_buyer_review' = 'requires_buyer_input',
): Message => ({ type: 'error', code, content_type: 'plain', content, param, resolution, severity: 'high' });

/** Messages derived from the cart. Any `error` message makes the session `not_ready_for_payment`. */
export function cartMessages(
  state: Pick<
    SessionState,
    | 'lines'
    | 'buyer'
    | 'fulfillmentDetails'
    | 'fulfillmentOptions'
    | 'selectedFulfillmentOptions'
    | 'totals'
    | 'capabilities'
  >,
  config: ResolvedConfig,
): Message[] {
  const messages: Message[] = [];
  if (state.lines.length === 0) {
    messages.push(err('missing', 'The cart is empty. Add at least one item.', '$.line_items'));
  }
  for (const [i, line] of state.lines.entries()) {
    const available = line.availableQuantity;
    if (available !== undefined && available <= 0) {
      messages.push(
        err('out_of_stock', `${line.name} is out of stock. Remove it to continue.`, `$.line_items[${i}]`),
      );
    } else if (available !== undefined && line.quantity > available) {
      messages.push(
        err(
          'quantity_exceeded',
          `Only ${available} of ${line.name} left; you asked for ${line.quantity}.`,
          `$.line_items[${i}].quantity`,
        ),
      );
    } else if (line.maxQuantityPerOrder !== undefined && line.quantity > line.maxQuantityPerOrder) {
      messages.push(
        err(
          'quantity_exceeded',
          `${line.name} is limited to ${line.maxQuantityPerOrder} per order.`,
          `$.line_items[${i}].quantity`,
        ),
      );
    } else if (line.availabilityStatus === 'low_stock') {
      messages.push({
        type: 'warning',
        code: 'low_stock',
        content_type: 'plain',
        content: `Only ${available} of ${line.name} left in stock.`,
        param: `$.line_items[${i}]`,
        severity: 'low',
      });
    }
  }
  // The contact email is `buyer.email`, else `fulfillment_details.email` (the order the spec resolves a
  // contact in, rfc.marketing_consent): either one makes the session payable.
  if (!state.buyer?.email && !state.fulfillmentDetails?.email) {
    messages.push(
      err(
        'missing',
        'A contact email is needed before payment: buyer.email (or fulfillment_details.email).',
        '$.buyer.email',
      ),
    );
  }
  if (needsDelivery(state.lines)) {
    if (!state.fulfillmentDetails?.address) {
      messages.push(
        err('missing', 'A shipping address is needed for physical items.', '$.fulfillment_details.address'),
      );
    } else if (!state.fulfillmentOptions.some((o) => o.type !== 'digital')) {
      messages.push(
        err(
          'unsupported',
          'No shipping option is available for this address.',
          '$.fulfillment_details.address',
        ),
      );
    } else if (
      !state.selectedFulfillmentOptions.some((s) => {
        const o = state.fulfillmentOptions.find((f) => f.id === s.option_id);
        return o !== undefined && o.type !== 'digital';
      })
    ) {
      messages.push(
        err(
          'missing',
          `Choose a shipping option: ${state.fulfillmentOptions
            .filter((o) => o.type !== 'digital')
            .map((o) => `${o.id} (${o.title})`)
            .join(', ')}.`,
          '$.selected_fulfillment_options',
        ),
      );
    }
  }
  if (state.totals.total > config.maxTotalAmount) {
    messages.push(
      err('maximum_exceeded', 'The order total is above the maximum this store accepts.', '$.totals'),
    );
  }
  const { required = [], enforcement } = config.interventions;
  if (enforcement === 'always') {
    // The negotiated list is the intersection of the agent's and ours (rfc.capability_negotiation §4.6).
    const negotiated: readonly string[] = state.capabilities.interventions?.supported ?? [];
    const missing = required.filter((r) => !negotiated.includes(r));
    if (missing.length > 0) {
      messages.push(
        err(
          'intervention_required',
          `This store requires ${missing.join(', ')}, which the agent does not support.`,
          '$.capabilities.interventions',
          'recoverable',
        ),
      );
    }
  }
  return messages;
}

export function hasBlockingMessage(messages: readonly Message[]): boolean {
  return messages.some((m) => m.type === 'error');
}
