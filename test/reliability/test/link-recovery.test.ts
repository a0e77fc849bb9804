// Issue 10, item 2: a hosted payment link paid while its webhook never arrives (no webhook endpoint at all)
// must still end in exactly one order: start-up / timer recovery asks Stripe for the Checkout Session and
// applies what it says through the same transition the webhook uses. Real parts: the SQLite file / a
// PostgreSQL schema, the Stripe gateway on the official client, the emulator's hosted page over HTTP.
// Checked after a restart (the store reopened, a new service) and with two services on one database racing
// recovery.
import type { CheckoutSession, CheckoutStoreV1 } from '@acp/core';
import { createSystemClock } from '@acp/core/adapters';
import { createSequentialIds, createTestCheckout } from '@acp/core/testing';
import { createStripeGateway } from '@acp/stripe';
import { type StripeEmulator, startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunDatabase, type DatabaseKind, type InspectionStore } from '../src/harness/databases.js';
import { pgUnavailable } from './postgres.js';

const V = '2026-04-17';
let emulator: StripeEmulator;
beforeAll(async () => {
  emulator = await startStripeEmulator(); // no webhook endpoint: nothing is ever delivered
});
afterAll(async () => {
  await emulator.close();
});

function service(store: CheckoutStoreV1, instance: string) {
  const stripe = new Stripe('sk_test_link_recovery', { ...emulator.stripeConfig, maxNetworkRetries: 0 });
  const gateway = createStripeGateway({
    stripe,
    paymentLinks: { successUrl: 'http://127.0.0.1/paid', cancelUrl: 'http://127.0.0.1/cart' },
  });
  return createTestCheckout({
    store,
    gateway,
    clock: createSystemClock(),
    ids: createSequentialIds(instance),
    // Recovery asks Stripe about a link only 10 s after it opened by default (the webhook normally comes
    // first); here the restart follows the payments at once and no webhook ever comes.
    config: { linkCheckIntervalSeconds: 0 },
  });
}

async function paidLinks(store: CheckoutStoreV1, n: number, tag: string): Promise<string[]> {
  const t = service(store, `${tag}_a`);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'ebook_mcp' }],
        buyer: { email: 'ada@example.com' },
        capabilities: { interventions: { supported: [] } },
      },
      { caller: 'agent', apiVersion: V, idempotencyKey: `${tag}-create-${i}` },
    );
    const id = (created.body as CheckoutSession).id;
    const link = await t.service.createPaymentLink(id, { caller: 'agent' });
    expect(link.status).toBe(200);
    const paid = await fetch((link.body as { url: string }).url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'pay', payment_method: 'pm_card_visa' }).toString(),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    ids.push(id);
  }
  return ids;
}

const succeededFor = (id: string) =>
  emulator.paymentIntents({ status: 'succeeded', metadata: { acp_checkout_session_id: id } });

for (const kind of ['sqlite', 'postgres'] as DatabaseKind[]) {
  describe.skipIf(kind === 'postgres' && pgUnavailable !== undefined)(
    `paid links without webhooks (${kind})`,
    () => {
      it('the order exists after a restart and two racing recoveries, exactly once', async () => {
        const db = await createRunDatabase(kind, 'links');
        const opened: InspectionStore[] = [];
        try {
          // The first process: links are opened and paid; no webhook ever arrives, then it stops.
          const first = await db.open();
          const ids = await paidLinks(first.store, 3, `${kind}-links`);
          for (const id of ids) expect((await first.store.getSession(id))?.state.status).toBe('in_progress');
          await first.close();

          // Restart: two instances on the same database both run start-up recovery at once.
          const a = await db.open();
          const b = await db.open();
          opened.push(a, b);
          const sa = service(a.store, `${kind}_x`);
          const sb = service(b.store, `${kind}_y`);
          const [ra, rb] = await Promise.all([
            sa.service.recoverPendingPayments(),
            sb.service.recoverPendingPayments(),
          ]);
          expect(ra.stillPending + rb.stillPending).toBe(0);
          // And again later (the recovery timer): nothing changes.
          expect(await sa.service.recoverPendingPayments()).toEqual({ resumed: 0, stillPending: 0 });

          for (const id of ids) {
            expect((await a.store.getSession(id))?.state.status).toBe('completed');
            const charges = succeededFor(id);
            expect(charges).toHaveLength(1);
            const order = await b.store.getOrderBySession(id);
            expect(order?.paymentId).toBe(charges[0]!.id);
          }
          const created = [...sa.events.events, ...sb.events.events].filter(
            (e): e is Extract<typeof e, { type: 'order_created' }> => e.type === 'order_created',
          );
          expect(created.map((e) => e.order.sessionId).sort()).toEqual([...ids].sort());
        } finally {
          for (const s of opened) await s.close();
          await db.dispose();
        }
      });
    },
  );
}
