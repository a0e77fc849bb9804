// The store option: memory (default), a SQLite file, a PostgreSQL URL, or any store. Drivers are optional peer
// dependencies loaded on demand; a missing one is a typed error saying what to install.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '@acp/store-memory';
import type { PostgresStore } from '@acp/store-postgres';
import { requireService } from '@acp/test-env';
import { describe, expect, it } from 'vitest';
import { CheckoutError, type CheckoutOptions, createCheckout, redactDatabaseUrl } from '../src/index.js';
import { loadOptionalPackage } from '../src/stores.js';
import { completeWithToken, createReadySession, PRODUCTS, silent, totalOf, useCleanups } from './helpers.js';

const PG_URL = process.env.ACP_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const { cleanups } = useCleanups();

async function buyOne(options: Partial<CheckoutOptions>) {
  const checkout = await createCheckout({
    products: PRODUCTS,
    logger: silent,
    ...options,
  } as CheckoutOptions);
  const b = { fetch: checkout.fetch, base: 'http://localhost' };
  const session = await createReadySession(b);
  const token = await checkout.mcpTools.testPayments!.createTestToken({
    sessionId: session.id,
    paymentMethodId: 'pm_card_visa',
    amount: totalOf(session),
    currency: 'usd',
  });
  const done = await completeWithToken(b, session, token.shared_payment_token);
  expect(done.status).toBe('completed');
  return { checkout, orderId: done.order!.id };
}

describe('stores', () => {
  it('a SQLite file keeps orders across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acp-checkout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'shop.db');
    const { checkout, orderId } = await buyOne({ store: { sqlite: file } });
    await checkout.close();
    const reopened = await createCheckout({ products: PRODUCTS, logger: silent, store: { sqlite: file } });
    cleanups.push(() => reopened.close());
    expect((await reopened.service.getOrder(orderId))?.order.id).toBe(orderId);
  });

  it('a store you pass is used and left open by close()', async () => {
    const store = createMemoryStore();
    const { checkout, orderId } = await buyOne({ store });
    await checkout.close();
    expect((await store.getOrder(orderId))?.order.id).toBe(orderId);
  });

  it('an SQLite path that cannot be opened is store_unavailable, naming store.sqlite', async () => {
    const error = await createCheckout({
      products: PRODUCTS,
      logger: silent,
      store: { sqlite: '/proc/definitely/not/here.db' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CheckoutError.isInstance(error)).toBe(true);
    expect((error as CheckoutError).code).toBe('store_unavailable');
    expect((error as CheckoutError).path).toBe('store.sqlite');
  });

  it('a driver that is not installed: store_driver_missing, saying what to install', async () => {
    const error = await loadOptionalPackage(
      '@acp/store-nowhere',
      'store.sqlite',
      () =>
        // A real import of a package that is not installed.
        import(['@acp', 'store-nowhere'].join('/')),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(CheckoutError.isInstance(error)).toBe(true);
    expect((error as CheckoutError).code).toBe('store_driver_missing');
    expect((error as Error).message).toBe(
      'store.sqlite: this store needs the @acp/store-nowhere package: npm install @acp/store-nowhere',
    );
  });

  it('an unreachable PostgreSQL: store_unavailable without the password', async () => {
    const error = await createCheckout({
      products: PRODUCTS,
      logger: silent,
      store: { postgres: 'postgres://shop:s3cretpw@127.0.0.1:1/shop?password=s3cretpw' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CheckoutError).code).toBe('store_unavailable');
    expect((error as Error).message).toContain('postgres://127.0.0.1:1/shop');
    expect((error as Error).message).not.toContain('s3cretpw');
    expect(redactDatabaseUrl('postgres://u:p@h:5/db?password=x')).toBe('postgres://h:5/db');
  });
});

const pgProblem = await (async () => {
  const pg = await import('@acp/store-postgres');
  try {
    const s = await pg.createPostgresStore({
      connectionString: PG_URL,
      schema: 'acp_checkout_probe',
      migrate: false,
    });
    await s.close();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
})();
const pgUp = requireService(
  `PostgreSQL at ${redactDatabaseUrl(PG_URL)}`,
  pgProblem,
  'Start PostgreSQL or set ACP_TEST_POSTGRES_URL.',
);

describe.skipIf(!pgUp)('PostgreSQL', () => {
  it('a PostgreSQL URL: orders in the given schema, shared by two instances', async () => {
    const schema = `acp_checkout_${process.pid}_${Date.now().toString(36)}`;
    const { checkout, orderId } = await buyOne({ store: { postgres: PG_URL, schema } });
    const other = await createCheckout({
      products: PRODUCTS,
      logger: silent,
      store: { postgres: PG_URL, schema },
    });
    expect((await other.service.getOrder(orderId))?.order.id).toBe(orderId);
    await (other.store as PostgresStore).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await other.close();
    await checkout.close();
  });
});
