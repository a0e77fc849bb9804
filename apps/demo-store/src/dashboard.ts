// The orders dashboard at `/`: sessions and orders with status and totals, server-rendered and refreshed
// live from `/dashboard/data.json`. It shows no buyer contact details beyond an email hint.
import { type CheckoutStoreV1, type OrderRecord, refundTotals, type SessionState } from '@acp/core';

export interface DashboardData {
  generatedAt: string;
  payments: string;
  sessions: {
    id: string;
    status: string;
    total: number;
    currency: string;
    items: string;
    updatedAt: string;
    orderId?: string;
  }[];
  orders: {
    id: string;
    sessionId: string;
    status: string;
    amount: number;
    refunded: number;
    currency: string;
    items: string;
    buyer: string;
    createdAt: string;
  }[];
}

const maskEmail = (email: string | undefined) => {
  if (!email) return '';
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 1)}***@${domain}`;
};

const itemsOf = (s: Pick<SessionState, 'lines'>) => s.lines.map((l) => `${l.quantity}× ${l.name}`).join(', ');

export async function dashboardData(
  store: CheckoutStoreV1,
  payments: string,
  now: Date,
  limit = 50,
): Promise<DashboardData> {
  const all: SessionState[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({ limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.sessions.map((s) => s.state));
    cursor = page.nextCursor;
  } while (cursor && all.length < 20_000);
  const sessions = all
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, limit)
    .map((s) => ({
      id: s.id,
      status: s.status,
      total: s.totals.total,
      currency: s.currency,
      items: itemsOf(s),
      updatedAt: s.updatedAt,
      ...(s.status === 'completed' ? { orderId: s.orderId } : {}),
    }));
  const { orders } = await store.listOrders({ limit });
  return {
    generatedAt: now.toISOString(),
    payments,
    sessions,
    orders: orders.map((o: OrderRecord) => ({
      id: o.order.id,
      sessionId: o.sessionId,
      status: o.order.status ?? 'confirmed',
      amount: o.amount,
      refunded: refundTotals(o).refunded,
      currency: o.currency,
      items: (o.order.line_items ?? []).map((l) => `${l.quantity.ordered}× ${l.title}`).join(', '),
      buyer: maskEmail(o.buyer?.email),
      createdAt: o.createdAt,
    })),
  };
}

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

function rows(data: DashboardData): { sessions: string; orders: string } {
  const orders = data.orders.length
    ? data.orders
        .map(
          (o) =>
            `<tr data-order-id="${esc(o.id)}"><td><code>${esc(o.id)}</code></td><td><span class="badge s-${esc(o.status)}">${esc(o.status)}</span></td><td>${esc(o.items)}</td><td class="num">${money(o.amount, o.currency)}${o.refunded ? `<br><small>refunded ${money(o.refunded, o.currency)}</small>` : ''}</td><td>${esc(o.buyer)}</td><td><time>${esc(o.createdAt)}</time></td></tr>`,
        )
        .join('')
    : '<tr><td colspan="6" class="empty">No orders yet. Buy something through the MCP tools.</td></tr>';
  const sessions = data.sessions.length
    ? data.sessions
        .map(
          (s) =>
            `<tr data-session-id="${esc(s.id)}"><td><code>${esc(s.id)}</code></td><td><span class="badge s-${esc(s.status)}">${esc(s.status)}</span></td><td>${esc(s.items)}</td><td class="num">${money(s.total, s.currency)}</td><td><time>${esc(s.updatedAt)}</time></td></tr>`,
        )
        .join('')
    : '<tr><td colspan="5" class="empty">No checkout sessions yet.</td></tr>';
  return { sessions, orders };
}

export function renderDashboard(data: DashboardData, storeName = 'ACP Demo Store'): string {
  const r = rows(data);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(storeName)} — orders</title>
<style>
:root{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#0f172a;background:#f8fafc}
body{margin:0;padding:24px 32px;max-width:1200px}
header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
h1{font-size:22px;margin:0} h2{font-size:16px;margin:28px 0 8px}
.pill{font-size:12px;padding:3px 8px;border-radius:999px;background:#e2e8f0}
.pill.emulator{background:#fef3c7;color:#92400e}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e2e8f0;border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #f1f5f9;font-size:13px;vertical-align:top}
th{background:#f1f5f9;font-weight:600} td.num{text-align:right;white-space:nowrap} .empty{color:#64748b;text-align:center;padding:18px}
.badge{font-size:12px;padding:2px 8px;border-radius:6px;background:#e2e8f0}
.s-completed,.s-confirmed{background:#dcfce7;color:#166534}.s-ready_for_payment{background:#dbeafe;color:#1e40af}
.s-canceled,.s-expired{background:#fee2e2;color:#991b1b}.s-in_progress,.s-complete_in_progress,.s-authentication_required{background:#fef9c3;color:#854d0e}
code{font-size:12px} small{color:#64748b} footer{margin-top:24px;color:#64748b;font-size:12px}
</style></head>
<body>
<header><h1>${esc(storeName)}</h1><span class="pill ${data.payments === 'emulator' ? 'emulator' : ''}" id="payments">${data.payments === 'emulator' ? 'payments simulated (Stripe emulator)' : esc(data.payments)}</span><small>updated <time id="updated">${esc(data.generatedAt)}</time></small></header>
<h2>Orders</h2>
<table><thead><tr><th>Order</th><th>Status</th><th>Items</th><th>Amount</th><th>Buyer</th><th>Created</th></tr></thead><tbody id="orders">${r.orders}</tbody></table>
<h2>Checkout sessions</h2>
<table><thead><tr><th>Session</th><th>Status</th><th>Items</th><th>Total</th><th>Updated</th></tr></thead><tbody id="sessions">${r.sessions}</tbody></table>
<footer>MCP endpoint <code>/mcp</code> · ACP REST <code>/checkout_sessions</code> · discovery <code>/.well-known/acp.json</code></footer>
<script>
const esc=s=>String(s).replace(/[<>&"']/g,c=>({'<':'&lt;','>':'&gt;','&':'&amp;','"':'&quot;',"'":'&#39;'})[c]);
const money=(a,c)=>(a/100).toFixed(2)+' '+c.toUpperCase();
async function refresh(){try{const r=await fetch('/dashboard/data.json',{cache:'no-store'});if(!r.ok)return;const d=await r.json();
document.getElementById('updated').textContent=d.generatedAt;
document.getElementById('orders').innerHTML=d.orders.length?d.orders.map(o=>'<tr data-order-id="'+esc(o.id)+'"><td><code>'+esc(o.id)+'</code></td><td><span class="badge s-'+esc(o.status)+'">'+esc(o.status)+'</span></td><td>'+esc(o.items)+'</td><td class="num">'+money(o.amount,o.currency)+(o.refunded?'<br><small>refunded '+money(o.refunded,o.currency)+'</small>':'')+'</td><td>'+esc(o.buyer)+'</td><td><time>'+esc(o.createdAt)+'</time></td></tr>').join(''):'<tr><td colspan="6" class="empty">No orders yet. Buy something through the MCP tools.</td></tr>';
document.getElementById('sessions').innerHTML=d.sessions.length?d.sessions.map(s=>'<tr data-session-id="'+esc(s.id)+'"><td><code>'+esc(s.id)+'</code></td><td><span class="badge s-'+esc(s.status)+'">'+esc(s.status)+'</span></td><td>'+esc(s.items)+'</td><td class="num">'+money(s.total,s.currency)+'</td><td><time>'+esc(s.updatedAt)+'</time></td></tr>').join(''):'<tr><td colspan="5" class="empty">No checkout sessions yet.</td></tr>';
}catch{}}
setInterval(refresh,2000);
</script>
</body></html>`;
}
