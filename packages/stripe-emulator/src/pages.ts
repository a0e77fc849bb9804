// The local hosted pages: a Checkout Session pay page (pay / cancel, with a 3D Secure challenge step for 3DS
// cards) and a 3D Secure test page. Plain HTML forms, so a person can click through and a test can POST the
// same form. Faults never hit these pages.
import { TEST_CARDS, testCardForPaymentMethod } from './cards.js';
import { authenticationFailed, completeAuthentication, payCheckout } from './charges.js';
import { ApiError } from './errors.js';
import { parseForm, str } from './form.js';
import { sweep } from './lifecycle.js';
import { last4 } from './render.js';
import { type CheckoutSessionRec, type EmulatorState, NO_REQUEST } from './state.js';

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

// ------------------------------------------------------------------------------------------ page routes

/** A page answer: HTML, or a redirect. */
export interface PageAnswer {
  status: number;
  html?: string;
  location?: string;
}

function pageModel(s: CheckoutSessionRec, error?: string): CheckoutPageModel {
  return {
    id: s.id,
    status: s.status,
    lines: s.lines.map((l) => ({ name: l.name, quantity: l.quantity, amount: l.unitAmount * l.quantity })),
    ...(s.shipping ? { shipping: s.shipping } : {}),
    total: s.amountTotal,
    currency: s.currency,
    email: s.customerEmail,
    ...(error ? { error } : {}),
  };
}

/** After a successful payment Checkout redirects to `success_url`, with `{CHECKOUT_SESSION_ID}` substituted. */
const paid = (s: CheckoutSessionRec): PageAnswer =>
  s.successUrl
    ? { status: 303, location: s.successUrl.replace('{CHECKOUT_SESSION_ID}', s.id) }
    : { status: 200, html: messagePage('Paid', 'Thank you: the payment succeeded.') };

/** `GET`/`POST /c/pay/:checkout_session_id`: the hosted Checkout page. */
function checkoutPayPage(st: EmulatorState, sid: string, method: string, body: string): PageAnswer {
  sweep(st);
  const s = st.sessions.get(sid);
  if (!s) return { status: 404, html: messagePage('Not found', 'No such Checkout Session.') };
  if (method === 'GET') return { status: 200, html: checkoutPage(pageModel(s)) };
  if (method !== 'POST') return { status: 405, html: messagePage('Method not allowed', 'Use GET or POST.') };
  if (s.status !== 'open') return { status: 409, html: checkoutPage(pageModel(s)) };
  const form = parseForm(body);
  const action = str(form, 'action') ?? 'pay';
  st.currentRequest = NO_REQUEST;
  if (action === 'cancel') {
    // Cancel only redirects: the session stays open, as in Stripe.
    return s.cancelUrl
      ? { status: 303, location: s.cancelUrl }
      : { status: 200, html: messagePage('Canceled', 'You left the checkout without paying.') };
  }
  if (action === '3ds_complete' || action === '3ds_fail') {
    // The buyer answered the 3D Secure challenge of the PaymentIntent that is waiting for it.
    const pi = s.paymentIntentId ? st.intents.get(s.paymentIntentId) : undefined;
    if (pi?.status !== 'requires_action' || !pi.paymentMethodId) {
      return { status: 409, html: checkoutPage(pageModel(s, 'There is no authentication in progress.')) };
    }
    if (action === '3ds_fail') {
      // A failed challenge pays nothing and leaves the page payable.
      const err = authenticationFailed(st, pi, []);
      return {
        status: 402,
        html: checkoutPage(pageModel(s, String(err.body.message ?? 'Authentication failed.'))),
      };
    }
    const r = payCheckout(st, s, pi.paymentMethodId, 'authenticated');
    if ('challenge' in r || !r.ok)
      return { status: 402, html: checkoutPage(pageModel(s, 'message' in r ? r.message : 'Declined.')) };
    return paid(s);
  }
  const pmId = str(form, 'payment_method') ?? 'pm_card_visa';
  if (!testCardForPaymentMethod(pmId))
    return { status: 400, html: checkoutPage(pageModel(s, 'Choose a test payment method.')) };
  const r = payCheckout(st, s, pmId);
  if ('challenge' in r) {
    const pm = st.paymentMethods.get(r.challenge.paymentMethodId!)!;
    return {
      status: 200,
      html: checkoutChallengePage({
        sessionId: s.id,
        paymentIntentId: r.challenge.id,
        brand: pm.card.brand,
        last4: last4(pm.card),
        total: s.amountTotal,
        currency: s.currency,
      }),
    };
  }
  // A decline leaves the Checkout Session open: the buyer may try another card.
  if (!r.ok) return { status: 402, html: checkoutPage(pageModel(s, r.message)) };
  return paid(s);
}

/** `GET`/`POST /3ds/:payment_intent_id`: the 3D Secure test page of a PaymentIntent's `next_action`. */
function threeDSecure(st: EmulatorState, piId: string, method: string, body: string): PageAnswer {
  const pi = st.intents.get(piId);
  if (!pi) return { status: 404, html: messagePage('Not found', 'No such PaymentIntent.') };
  if (method === 'GET') return { status: 200, html: threeDSecurePage(pi.id, pi.status) };
  if (pi.status !== 'requires_action') return { status: 409, html: threeDSecurePage(pi.id, pi.status) };
  const action = str(parseForm(body), 'action') ?? 'complete';
  st.currentRequest = NO_REQUEST;
  let ok = true;
  try {
    if (action === 'fail') throw authenticationFailed(st, pi, []);
    completeAuthentication(st, pi, []);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    ok = false;
  }
  if (pi.returnUrl) {
    const sep = pi.returnUrl.includes('?') ? '&' : '?';
    return { status: 303, location: `${pi.returnUrl}${sep}payment_intent=${pi.id}` };
  }
  return {
    status: 200,
    html: messagePage(ok ? 'Authenticated' : 'Not authenticated', `The payment is ${pi.status}.`),
  };
}

/** The hosted page at `path`, or undefined when the path is not a page. */
export function handlePage(
  st: EmulatorState,
  method: string,
  path: string,
  body: string,
): PageAnswer | undefined {
  const pay = /^\/c\/pay\/([^/]+)$/.exec(path);
  if (pay) return checkoutPayPage(st, pay[1]!, method, body);
  const tds = /^\/3ds\/([^/]+)$/.exec(path);
  if (tds) return threeDSecure(st, tds[1]!, method, body);
  return undefined;
}
