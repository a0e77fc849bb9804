// Order permalinks as capability URLs: `/orders/<id>?t=<mac>`, the MAC an HMAC-SHA256 of the order id under a
// server secret. The link opens the order page for whoever was handed it (the agent, the buyer) without a key,
// and order pages cannot be enumerated: a guessed or known id without its MAC is the same 404 as an unknown id.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OrderLinks {
  /** The permalink of `orderId` (absolute, under `publicUrl`). */
  url(orderId: string): string;
  /** Whether `token` is the MAC of `orderId` (constant time). */
  verify(orderId: string, token: string | null): boolean;
}

/** File in the data directory holding the generated secret when `ACP_ORDER_LINK_SECRET` is not set. */
export const ORDER_LINK_KEY_FILE = 'order-links.key';

/**
 * The secret: `ACP_ORDER_LINK_SECRET` when set (required for several instances on different machines), else a
 * random one kept in `<dataDir>/order-links.key` (mode 0600), shared by the HTTP and stdio entries that use the
 * same data directory, so links stay valid across restarts.
 */
export function orderLinkSecret(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, ORDER_LINK_KEY_FILE);
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const stored = readFileSync(file, 'utf8').trim();
  if (stored.length < 32)
    throw new Error(`${file} is not a valid order link secret; delete it to regenerate`);
  return Buffer.from(stored, 'utf8');
}

export function createOrderLinks(secret: Buffer, publicUrl: string): OrderLinks {
  const mac = (orderId: string) =>
    createHmac('sha256', secret).update(`acp-demo-order-link:v1:${orderId}`, 'utf8').digest();
  const base = `${publicUrl.replace(/\/$/, '')}/orders/`;
  return {
    url: (orderId) =>
      `${base}${encodeURIComponent(orderId)}?t=${mac(orderId).subarray(0, 16).toString('base64url')}`,
    verify(orderId, token) {
      if (token === null || !/^[A-Za-z0-9_-]{22}$/.test(token)) return false;
      return timingSafeEqual(Buffer.from(token, 'base64url'), mac(orderId).subarray(0, 16));
    },
  };
}
