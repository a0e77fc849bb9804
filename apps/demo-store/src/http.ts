// The store's HTTP surface: the toolkit's ACP handler (REST, /mcp, discovery, Stripe webhook; from createCheckout)
// plus the store's own pages (dashboard, product images, order permalinks, checkout return page, policies).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AcpHttpHandler } from '@acp/mcp-http';
import type { DemoRuntime } from './app.js';
import { STORE_NAME } from './app.js';
import { productSvg } from './catalog.js';
import { dashboardData, renderDashboard } from './dashboard.js';
import type { DemoLogger } from './logger.js';
import { checkoutReturnPage, orderPage, policyPage } from './pages.js';

const html = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });

/** An order page: its URL carries a capability token, so it is never cached, indexed or sent as a Referer. */
const orderHtml = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    },
  });

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `presented` is one of `keys`: fixed-length digests compared in constant time, every key checked. */
export function matchesAnyKey(presented: string, keys: readonly { key: string }[]): boolean {
  const p = digest(presented);
  let found = false;
  for (const k of keys) found = timingSafeEqual(p, digest(k.key)) || found;
  return found;
}

/** The merchant credential a request presents: the HTTP Basic password (any user name) or a Bearer token. */
function presentedCredential(request: Request): string | undefined {
  const header = request.headers.get('authorization') ?? '';
  if (/^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    return decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
  }
  if (/^Bearer\s+/i.test(header)) return header.replace(/^Bearer\s+/i, '').trim();
  return undefined;
}

export function createDemoHttpHandler(runtime: DemoRuntime, logger: DemoLogger): AcpHttpHandler {
  const { config } = runtime;
  // The toolkit's handler (REST, /mcp, discovery, the Stripe webhook), built by createCheckout from the same
  // configuration (keys, allowed hosts, signing, webhook path).
  const acp = runtime.checkout.http;

  if (config.dashboard === 'disabled') {
    logger.warn(
      'dashboard disabled: this store requires agent keys, and agent keys never open the dashboard. Set ACP_MERCHANT_KEY (16+ characters, not an agent key) and sign in with it as the password (any user name). Order links handed to buyers still open.',
    );
  }
  const merchantKeys = config.ACP_MERCHANT_KEY ? [{ key: config.ACP_MERCHANT_KEY }] : [];
  /**
   * The merchant's view (dashboard, any order page): open only for unauthenticated local work; otherwise the
   * ACP_MERCHANT_KEY credential (constant time), never an agent key.
   */
  const isMerchant = (request: Request): boolean => {
    if (config.dashboard === 'open') return true;
    if (merchantKeys.length === 0) return false;
    const presented = presentedCredential(request);
    return presented !== undefined && matchesAnyKey(presented, merchantKeys);
  };
  const challenge = () =>
    new Response(
      config.dashboard === 'disabled'
        ? 'The dashboard is disabled: set ACP_MERCHANT_KEY on the server and sign in with it (agent keys do not open it).'
        : 'Authentication required: sign in with ACP_MERCHANT_KEY as the password.',
      {
        status: 401,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'www-authenticate': `Basic realm="${STORE_NAME} merchant", charset="UTF-8"`,
        },
      },
    );
  /** Order pages: for whoever holds the permalink (its MAC) or the merchant; anything else is "not found". */
  const orderNotFound = () => orderHtml(orderPage(null), 404);

  async function storePage(request: Request, url: URL): Promise<Response | undefined> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const path = url.pathname;
    const image = /^\/images\/([A-Za-z0-9_-]+)\.svg$/.exec(path);
    const policy = /^\/policies\/([a-z]+)$/.exec(path);
    const isDashboard = path === '/' || path === '/dashboard/data.json';
    const isOrder = path.startsWith('/orders/');
    if (!image && !policy && !isDashboard && !isOrder && path !== '/checkout/return') return undefined;
    // The same DNS-rebinding rule as the API (allowed Host, browser Origin), from the toolkit's handler.
    const foreign = acp.checkHostAndOrigin?.(request);
    if (foreign) return foreign;
    if (image) {
      const svg = productSvg(image[1]!);
      return svg
        ? new Response(svg, {
            headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' },
          })
        : new Response('not found', { status: 404 });
    }
    if (path === '/checkout/return') return html(checkoutReturnPage(url.searchParams.get('status')));
    if (policy) {
      const body = policyPage(policy[1]!);
      return body ? html(body) : undefined;
    }
    if (isOrder) {
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/orders/'.length));
      } catch {
        // `%E0%A4%A`, `%ZZ`: not an order id.
        return orderNotFound();
      }
      if (!isMerchant(request) && !runtime.orderLinks.verify(id, url.searchParams.get('t'))) {
        return orderNotFound();
      }
      const record = await runtime.service.getOrder(id);
      return record ? orderHtml(orderPage(record)) : orderNotFound();
    }
    if (!isMerchant(request)) return challenge();
    const data = await dashboardData(runtime.store, config.payments, new Date());
    if (path === '/dashboard/data.json') {
      return new Response(JSON.stringify(data), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    }
    return html(renderDashboard(data, STORE_NAME));
  }

  return {
    authenticated: acp.authenticated,
    allowedHosts: acp.allowedHosts,
    ...(acp.publiclyReachable !== undefined ? { publiclyReachable: acp.publiclyReachable } : {}),
    ...(acp.allowUnauthenticated !== undefined ? { allowUnauthenticated: acp.allowUnauthenticated } : {}),
    ...(acp.checkHostAndOrigin ? { checkHostAndOrigin: acp.checkHostAndOrigin } : {}),
    close: () => acp.close(),
    async fetch(request) {
      const url = new URL(request.url);
      try {
        const own = await storePage(request, url);
        if (own) return own;
      } catch (e) {
        logger.error('page failed', { path: url.pathname, error: (e as Error).name });
        return html('<h1>Something went wrong</h1>', 500);
      }
      return acp.fetch(request);
    },
  };
}
