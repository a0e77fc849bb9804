// Small HTML pages the store serves besides the dashboard: order permalinks, the hosted-checkout return
// page, policies. Plain server-rendered HTML, escaped.
import type { OrderRecord } from '@acp/core';
import { STORE_NAME } from './app.js';

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} — ${esc(STORE_NAME)}</title>
<style>:root{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#0f172a;background:#f8fafc}body{margin:0 auto;padding:32px;max-width:720px}
h1{font-size:22px}table{width:100%;border-collapse:collapse;background:#fff}td,th{padding:8px;border-bottom:1px solid #e2e8f0;text-align:left}td.num{text-align:right}a{color:#1d4ed8}</style>
</head><body><p><a href="/">${esc(STORE_NAME)}</a></p>${body}</body></html>`;
}

export function orderPage(record: OrderRecord | null): string {
  if (!record) return page('Order not found', '<h1>Order not found</h1><p>No order with this id exists.</p>');
  const o = record.order;
  const lines = (o.line_items ?? [])
    .map(
      (l) =>
        `<tr><td>${esc(l.title)}</td><td>${l.quantity.ordered}</td><td class="num">${money(l.subtotal ?? 0, record.currency)}</td></tr>`,
    )
    .join('');
  const totals = (o.totals ?? [])
    .map(
      (t) =>
        `<tr><td colspan="2">${esc(t.display_text)}</td><td class="num">${money(t.amount, record.currency)}</td></tr>`,
    )
    .join('');
  return page(
    `Order ${o.id}`,
    `<h1>Order <code>${esc(o.id)}</code></h1><p>Status: <strong>${esc(o.status ?? 'confirmed')}</strong> · placed ${esc(record.createdAt)}</p>
<table><thead><tr><th>Item</th><th>Qty</th><th class="num">Subtotal</th></tr></thead><tbody>${lines}${totals}</tbody></table>`,
  );
}

export function checkoutReturnPage(status: string | null): string {
  return status === 'paid'
    ? page(
        'Payment received',
        '<h1>Payment received</h1><p>Thank you! Your order is confirmed. You can return to your chat; the assistant can show the order.</p>',
      )
    : page(
        'Payment canceled',
        '<h1>Payment canceled</h1><p>No payment was taken. Return to your chat to try again.</p>',
      );
}

const POLICIES: Record<string, [string, string]> = {
  terms: [
    'Terms of use',
    'This is a demonstration store. No real goods are shipped and, without a live Stripe key, no money moves.',
  ],
  privacy: [
    'Privacy policy',
    'The store keeps the buyer email and address you give for an order, and never sees card numbers: payments use Stripe Shared Payment Tokens or Stripe Checkout.',
  ],
  returns: [
    'Returns',
    'Physical items can be returned within 30 days for a full refund. Digital goods are refundable within 14 days if not downloaded.',
  ],
  support: ['Support', 'Write to support@demo-store.example with your order number.'],
};

export function policyPage(name: string): string | undefined {
  const p = POLICIES[name];
  return p ? page(p[0], `<h1>${esc(p[0])}</h1><p>${esc(p[1])}</p>`) : undefined;
}
