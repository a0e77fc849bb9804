// The store's HTTP surface: the toolkit's ACP handler (REST, /mcp, discovery, Stripe webhook) plus the store's
// own pages (dashboard, product images, order permalinks, checkout return page, policies).
import { createHash, timingSafeEqual } from 'node:crypto';
import { type AcpHttpHandler, createAcpHttpHandler } from '@acp/mcp-http';
import { isLoopbackHost } from '@acp/mcp-http/node';
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

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `presented` is one of `keys`: fixed-length digests compared in constant time, every key checked. */
export function matchesAnyKey(presented: string, keys: readonly { key: string }[]): boolean {
  const p = digest(presented);
  let found = false;
  for (const k of keys) found = timingSafeEqual(p, digest(k.key)) || found;
  return found;
}

export function createDemoHttpHandler(runtime: DemoRuntime, logger: DemoLogger): AcpHttpHandler {
  const { config } = runtime;
  const loopback = isLoopbackHost(config.HOST);
  const publicHost = new URL(config.publicUrl).hostname;
  const allowedHosts = loopback && isLoopbackHost(publicHost) ? undefined : [publicHost];
  const keys = config.ACP_API_KEYS;
  const acp = createAcpHttpHandler({
    service: runtime.service,
    catalog: runtime.catalog,
    mcp: runtime.mcpFactory,
    ...(keys.length ? { apiKeys: keys.map((k) => (k.id ? { id: k.id, key: k.key } : { key: k.key })) } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    ...(config.ACP_ALLOW_UNAUTHENTICATED ? { allowUnauthenticated: true } : {}),
    publicUrl: config.publicUrl,
    ...(runtime.requestSigning ? { requestSigning: runtime.requestSigning } : {}),
    webhook: {
      path: '/webhooks/stripe',
      signatureHeader: 'stripe-signature',
      handle: (raw, signature) => runtime.stripeWebhook(raw, signature ?? undefined),
    },
    logger,
  });

  /**
   * The dashboard and order pages need a key whenever keys are configured (which they are whenever the store
   * is reachable beyond loopback or takes real money): HTTP Basic auth with a key as the password (any user
   * name), or `Authorization: Bearer <key>`. Without keys (loopback, local work) they are open.
   */
  const pageAllowed = (request: Request): boolean => {
    if (keys.length === 0) return true;
    const header = request.headers.get('authorization') ?? '';
    let presented: string | undefined;
    if (/^Basic\s+/i.test(header)) {
      const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      presented = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
    } else if (/^Bearer\s+/i.test(header)) {
      presented = header.replace(/^Bearer\s+/i, '').trim();
    }
    return presented !== undefined && matchesAnyKey(presented, keys);
  };

  async function storePage(request: Request, url: URL): Promise<Response | undefined> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const path = url.pathname;
    const image = /^\/images\/([A-Za-z0-9_-]+)\.svg$/.exec(path);
    if (image) {
      const svg = productSvg(image[1]!);
      return svg
        ? new Response(svg, {
            headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' },
          })
        : new Response('not found', { status: 404 });
    }
    if (path === '/checkout/return') return html(checkoutReturnPage(url.searchParams.get('status')));
    const policy = /^\/policies\/([a-z]+)$/.exec(path);
    if (policy) {
      const body = policyPage(policy[1]!);
      return body ? html(body) : undefined;
    }
    if (path === '/' || path === '/dashboard/data.json' || path.startsWith('/orders/')) {
      if (!pageAllowed(request)) {
        return new Response('authentication required', {
          status: 401,
          headers: { 'www-authenticate': `Basic realm="${STORE_NAME}", charset="UTF-8"` },
        });
      }
      if (path.startsWith('/orders/')) {
        return html(
          orderPage(await runtime.service.getOrder(decodeURIComponent(path.slice('/orders/'.length)))),
        );
      }
      const data = await dashboardData(runtime.store, config.payments, new Date());
      if (path === '/dashboard/data.json') {
        return new Response(JSON.stringify(data), {
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        });
      }
      return html(renderDashboard(data, STORE_NAME));
    }
    return undefined;
  }

  return {
    authenticated: acp.authenticated,
    allowedHosts: acp.allowedHosts,
    ...(acp.publiclyReachable !== undefined ? { publiclyReachable: acp.publiclyReachable } : {}),
    ...(acp.allowUnauthenticated !== undefined ? { allowUnauthenticated: acp.allowUnauthenticated } : {}),
    close: () => acp.close(),
    async fetch(request) {
      const url = new URL(request.url);
      try {
        const own = await storePage(request, url);
        if (own) return own;
      } catch (e) {
        logger.error('page failed', { path: url.pathname, error: (e as Error).message });
        return html('<h1>Something went wrong</h1>', 500);
      }
      return acp.fetch(request);
    },
  };
}
