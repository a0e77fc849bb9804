// The local hosted pages: a Checkout Session pay page (pay / cancel) and a 3D Secure test page. Plain HTML
// forms, so a person can click through and a test can POST the same form.
import { TEST_CARDS } from './cards.js';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.banner{background:#fff4d6;border:1px solid #e6c36a;padding:.5rem .75rem;border-radius:6px;font-size:.9rem}
table{width:100%;border-collapse:collapse}td{padding:.25rem 0}td.r{text-align:right}
.total td{font-weight:600;border-top:1px solid #ccc}.error{color:#b00020}
button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}select,input{font-size:1rem;width:100%;margin:.25rem 0 .75rem}</style>
</head><body><p class="banner">Local Stripe <strong>emulator</strong> — test mode only. This is not Stripe and no money moves.</p>
${body}</body></html>`;

export interface CheckoutPageModel {
  id: string;
  status: string;
  lines: { name: string; quantity: number; amount: number }[];
  shipping?: { name: string; amount: number };
  total: number;
  currency: string;
  email?: string | null;
  error?: string;
}

export function checkoutPage(m: CheckoutPageModel): string {
  if (m.status !== 'open') {
    return layout(
      'Checkout closed',
      `<h1>This checkout is ${esc(m.status)}</h1><p>Session <code>${esc(m.id)}</code> can no longer be paid.</p>`,
    );
  }
  const rows = m.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.name)} × ${l.quantity}</td><td class="r">${money(l.amount, m.currency)}</td></tr>`,
    )
    .join('');
  const shipping = m.shipping
    ? `<tr><td>${esc(m.shipping.name)}</td><td class="r">${money(m.shipping.amount, m.currency)}</td></tr>`
    : '';
  const options = TEST_CARDS.filter((c) => c.paymentMethod)
    .map((c) => `<option value="${esc(c.paymentMethod!)}">${esc(c.paymentMethod!)}</option>`)
    .join('');
  return layout(
    'Pay',
    `<h1>Checkout</h1>${m.email ? `<p>${esc(m.email)}</p>` : ''}
<table>${rows}${shipping}<tr class="total"><td>Total</td><td class="r">${money(m.total, m.currency)}</td></tr></table>
${m.error ? `<p class="error" role="alert">${esc(m.error)}</p>` : ''}
<form method="post"><label>Test payment method<select name="payment_method">${options}</select></label>
<button type="submit" name="action" value="pay">Pay ${money(m.total, m.currency)}</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button></form>`,
  );
}

/** The 3D Secure challenge Checkout shows for a card that requires authentication, before it pays. */
export function checkoutChallengePage(m: {
  sessionId: string;
  paymentIntentId: string;
  brand: string;
  last4: string;
  total: number;
  currency: string;
}): string {
  return layout(
    '3D Secure',
    `<h1>Confirm this payment with your bank</h1>
<p data-step="3ds-challenge">Your card issuer requires 3D Secure authentication for ${esc(m.brand)} •••• ${esc(m.last4)} (${money(m.total, m.currency)}). Payment <code>${esc(m.paymentIntentId)}</code>.</p>
<form method="post"><button type="submit" name="action" value="3ds_complete">Complete authentication</button>
<button type="submit" name="action" value="3ds_fail">Fail authentication</button></form>`,
  );
}

export function threeDSecurePage(paymentIntentId: string, status: string): string {
  if (status !== 'requires_action') {
    return layout('3D Secure', `<h1>Nothing to authenticate</h1><p>The payment is ${esc(status)}.</p>`);
  }
  return layout(
    '3D Secure',
    `<h1>3D Secure 2 test page</h1><p>Payment <code>${esc(paymentIntentId)}</code> needs authentication.</p>
<form method="post"><button type="submit" name="action" value="complete">Complete authentication</button>
<button type="submit" name="action" value="fail">Fail authentication</button></form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}
