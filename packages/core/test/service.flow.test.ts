import { specPresent } from '@acp/spec-oracle';
import { describe, expect, it } from 'vitest';
import type { CheckoutSession } from '../src/index.js';
import { createTestCheckout, MEMORY_TEST_TOKENS, SAMPLE_ADDRESS } from '../src/testing/index.js';
import { ctx, expectSchemaValid, paymentData } from './helpers.js';

const caps = { interventions: { supported: ['3ds'] } };

describe.skipIf(!specPresent())('checkout service flows', () => {
  it('digital goods: create → update email → complete → order', async () => {
    const t = createTestCheckout();
    const created = await t.service.createSession(
      { line_items: [{ id: 'ebook_mcp' }], currency: 'usd', capabilities: caps },
      ctx(),
    );
    expect(created.status).toBe(201);
    expectSchemaValid(created);
    const s = created.body as CheckoutSession;
    expect(s.status).toBe('not_ready_for_payment');
    expect(s.messages.map((m) => m.param)).toContain('$.buyer.email');
    expect(s.selected_fulfillment_options?.[0]?.type).toBe('digital');

    const updated = await t.service.updateSession(s.id, { buyer: { email: 'ada@example.com' } }, ctx());
    expectSchemaValid(updated);
    const u = updated.body as CheckoutSession;
    expect(u.status).toBe('ready_for_payment');
    const total = u.totals.find((x) => x.type === 'total')!.amount;
    expect(total).toBe(1999 + Math.round(1999 * 0.0875));

    const completed = await t.service.completeSession(s.id, { payment_data: paymentData() }, ctx());
    expect(completed.status).toBe(200);
    expectSchemaValid(completed, 'CheckoutSessionWithOrder');
    const c = completed.body as CheckoutSession;
    expect(c.status).toBe('completed');
    expect(c.order?.checkout_session_id).toBe(s.id);
    expect(t.gateway.succeededChargesFor(s.id)).toHaveLength(1);
    expect(t.events.events.map((e) => e.type)).toEqual(['order_created']);

    const got = await t.service.getSession(s.id, ctx({ idempotencyKey: undefined }));
    expectSchemaValid(got, 'CheckoutSessionWithOrder');
  });

  it('physical goods need address and shipping selection; inventory drops', async () => {
    const t = createTestCheckout();
    const created = await t.service.createSession(
      {
        line_items: [{ id: 'mug_classic', quantity: 2 }],
        currency: 'usd',
        capabilities: caps,
        buyer: { email: 'a@b.co' },
      },
      ctx(),
    );
    const s = created.body as CheckoutSession;
    expect(s.messages.map((m) => m.param)).toContain('$.fulfillment_details.address');
    const withAddress = await t.service.updateSession(
      s.id,
      { fulfillment_details: { address: SAMPLE_ADDRESS } },
      ctx(),
    );
    expectSchemaValid(withAddress);
    const wa = withAddress.body as CheckoutSession;
    expect(wa.status).toBe('not_ready_for_payment');
    expect(wa.fulfillment_options.map((o) => o.id)).toEqual(['ship_standard', 'ship_express']);
    const selected = await t.service.updateSession(
      s.id,
      {
        selected_fulfillment_options: [
          { type: 'shipping', option_id: 'ship_express', item_ids: ['mug_classic'] },
        ],
      },
      ctx(),
    );
    expectSchemaValid(selected);
    const sel = selected.body as CheckoutSession;
    expect(sel.status).toBe('ready_for_payment');
    const totals = Object.fromEntries(sel.totals.map((x) => [x.type, x.amount]));
    expect(totals.fulfillment).toBe(1500);
    expect(totals.total).toBe(totals.subtotal! - totals.discount! + totals.fulfillment! + totals.tax!);
    const done = await t.service.completeSession(s.id, { payment_data: paymentData() }, ctx());
    expectSchemaValid(done, 'CheckoutSessionWithOrder');
    expect(t.catalog.stock('mug_classic')).toBe(98);
  });

  it('decline keeps the session payable with a payment_declined message; 3DS path', async () => {
    const t = createTestCheckout();
    const s = (
      await t.service.createSession(
        {
          line_items: [{ id: 'ebook_mcp' }],
          currency: 'usd',
          capabilities: caps,
          buyer: { email: 'a@b.co' },
        },
        ctx(),
      )
    ).body as CheckoutSession;
    const declined = await t.service.completeSession(
      s.id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.declines) },
      ctx(),
    );
    expect(declined.status).toBe(200);
    expectSchemaValid(declined);
    const d = declined.body as CheckoutSession;
    expect(d.status).toBe('ready_for_payment');
    expect(d.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'payment_declined' });

    const auth = await t.service.completeSession(
      s.id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    expectSchemaValid(auth);
    const a = auth.body as CheckoutSession;
    expect(a.status).toBe('authentication_required');
    expect(a.authentication_metadata?.directory_server).toBe('visa');

    const no3ds = await t.service.completeSession(
      s.id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    expect(no3ds.status).toBe(400);
    expect(no3ds.body).toMatchObject({
      type: 'invalid_request',
      code: 'requires_3ds',
      param: '$.authentication_result',
    });
    expectSchemaValid(no3ds);

    const ok = await t.service.completeSession(
      s.id,
      {
        payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction),
        authentication_result: {
          outcome: 'authenticated',
          outcome_details: {
            three_ds_cryptogram: 'AAAB',
            electronic_commerce_indicator: '05',
            transaction_id: 'tx',
            version: '2.2.0',
          },
        },
      },
      ctx(),
    );
    expectSchemaValid(ok, 'CheckoutSessionWithOrder');
    expect((ok.body as CheckoutSession).status).toBe('completed');
    expect(t.gateway.succeededChargesFor(s.id)).toHaveLength(1);
  });
});
