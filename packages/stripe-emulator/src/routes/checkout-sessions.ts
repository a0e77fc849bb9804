// Checkout Sessions (https://docs.stripe.com/api/checkout/sessions/create): `mode=payment` with
// `line_items[][price_data]` (no Price objects) and fixed-amount shipping; list by `payment_intent`,
// retrieve, expire. They are paid on the hosted page (../pages.ts).
import { invalid, missing, missingParam } from '../errors.js';
import { type FormObject, list, obj, str, strings } from '../form.js';
import { expireSession, noteExpiry, sweep } from '../lifecycle.js';
import { renderList, renderSession } from '../render.js';
import type { CheckoutSessionRec, EmulatorState } from '../state.js';
import { checkParams, currencyOf, expandOf, int, limitOf, type Route } from './router.js';

const CS_PARAMS = [
  'mode',
  'line_items',
  'customer_email',
  'success_url',
  'cancel_url',
  'expires_at',
  'client_reference_id',
  'metadata',
  'payment_intent_data',
  'shipping_options',
  'currency',
  'ui_mode',
  'locale',
  'submit_type',
  'expand',
  'payment_method_types',
  'billing_address_collection',
  'phone_number_collection',
];

const HOUR = 3600;

export function sessionOr404(st: EmulatorState, sid: string): CheckoutSessionRec {
  sweep(st);
  const s = st.sessions.get(sid);
  if (!s) throw missing('checkout.session', sid, 'session');
  return s;
}

/** The line items and their one currency (`currency`, if given, must match every item's). */
function lineItems(p: FormObject, currencyParam: string | undefined) {
  let currency = currencyParam;
  const items = list(p, 'line_items');
  if (items.length === 0) throw missingParam('line_items');
  const lines: CheckoutSessionRec['lines'] = items.map((raw, i) => {
    const item = typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const param = `line_items[${i}]`;
    if (str(item, 'price'))
      throw invalid(
        'The emulator supports line_items[][price_data] only (no Price objects).',
        `${param}[price]`,
      );
    const pd = obj(item, 'price_data');
    if (!pd) throw missingParam(`${param}[price_data]`);
    const c = currencyOf(pd, 'currency', `${param}[price_data][currency]`);
    if (currency && currency !== c)
      throw invalid('All line items must use the same currency.', `${param}[price_data][currency]`);
    currency = c;
    const unitAmount = int(pd, 'unit_amount', true);
    const quantity = int(item, 'quantity', true);
    if (quantity < 1) throw invalid('Quantity must be at least 1.', `${param}[quantity]`);
    const product = obj(pd, 'product_data');
    const name = str(product, 'name');
    if (!name) throw missingParam(`${param}[price_data][product_data][name]`);
    const description = str(product, 'description');
    return {
      name,
      ...(description ? { description } : {}),
      quantity,
      unitAmount,
      images: list(product, 'images').filter((x): x is string => typeof x === 'string'),
    };
  });
  return { lines, currency: currency! };
}

export const checkoutSessionRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: /^\/v1\/checkout\/sessions$/,
    handler: ({ params: p, state: st }) => {
      checkParams(p, CS_PARAMS);
      const mode = str(p, 'mode');
      if (!mode) throw missingParam('mode');
      if (mode !== 'payment') throw invalid('The emulator supports mode=payment only.', 'mode');
      const ui = str(p, 'ui_mode');
      if (ui && ui !== 'hosted_page' && ui !== 'hosted')
        throw invalid('The emulator supports hosted Checkout only.', 'ui_mode');
      const { lines, currency } = lineItems(p, str(p, 'currency')?.toLowerCase());
      let shipping: CheckoutSessionRec['shipping'];
      const so = list(p, 'shipping_options')[0];
      if (so && typeof so === 'object' && !Array.isArray(so)) {
        const rate = obj(so, 'shipping_rate_data');
        const fixed = obj(rate, 'fixed_amount');
        if (!rate || !fixed)
          throw invalid(
            'The emulator supports shipping_options[][shipping_rate_data] with a fixed_amount only.',
            'shipping_options[0]',
          );
        shipping = { name: str(rate, 'display_name') ?? 'Shipping', amount: int(fixed, 'amount', true) };
      }
      const now = st.nowS();
      const expiresAt = int(p, 'expires_at', false) ?? now + 24 * HOUR;
      if (expiresAt < now + 30 * 60 - 5 || expiresAt > now + 24 * HOUR + 5) {
        throw invalid(
          'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
          'expires_at',
        );
      }
      const subtotal = lines.reduce((a, l) => a + l.unitAmount * l.quantity, 0);
      const pid = obj(p, 'payment_intent_data');
      const s: CheckoutSessionRec = {
        id: st.checkoutSessionId(),
        status: 'open',
        paymentStatus: 'unpaid',
        currency,
        lines,
        ...(shipping ? { shipping } : {}),
        amountSubtotal: subtotal,
        amountTotal: subtotal + (shipping?.amount ?? 0),
        customerEmail: str(p, 'customer_email') ?? null,
        clientReferenceId: str(p, 'client_reference_id') ?? null,
        successUrl: str(p, 'success_url') ?? null,
        cancelUrl: str(p, 'cancel_url') ?? null,
        expiresAt,
        created: now,
        metadata: strings(p, 'metadata'),
        piMetadata: strings(pid, 'metadata'),
        piDescription: str(pid, 'description') ?? null,
        paymentIntentId: null,
      };
      st.sessions.set(s.id, s);
      noteExpiry(st, s.expiresAt);
      return { body: renderSession(st, s, expandOf(p)) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/checkout\/sessions$/,
    handler: ({ params: p, state: st }) => {
      sweep(st);
      const piFilter = str(p, 'payment_intent');
      const found = [...st.sessions.values()]
        .filter((s) => !piFilter || s.paymentIntentId === piFilter)
        .reverse();
      return { body: renderList('/v1/checkout/sessions', found, limitOf(p), (s) => renderSession(st, s)) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/checkout\/sessions\/([^/]+)$/,
    handler: ({ params: p, match, state: st }) => ({
      body: renderSession(st, sessionOr404(st, match[1]!), expandOf(p)),
    }),
  },
  {
    method: 'POST',
    path: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
    handler: ({ params: p, match, state: st }) => {
      const s = sessionOr404(st, match[1]!);
      if (s.status !== 'open') {
        throw invalid(
          `This Checkout Session is ${s.status}; only open Checkout Sessions can be expired.`,
          undefined,
          'checkout_session_unexpected_state',
          true,
        );
      }
      expireSession(st, s);
      return { body: renderSession(st, s, expandOf(p)) };
    },
  },
];
