// A hosted Checkout link charges exactly the session total, whatever the shape of the cart. Found by the
// Stripe test-mode suite: a one-line cart with shipping and no tax produced a Checkout Session without its
// shipping option, so the buyer paid the goods only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Setup, setup } from './fixture.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(async () => {
  await s.emulator.close();
});

let n = 0;
const carts: [string, { unitAmount: number; quantity: number }[], number, number][] = [
  ['one line, shipping, no tax', [{ unitAmount: 1299, quantity: 2 }], 500, 0],
  ['one line, shipping and tax', [{ unitAmount: 1299, quantity: 1 }], 500, 114],
  ['one line, tax, no shipping', [{ unitAmount: 1299, quantity: 1 }], 0, 114],
  ['one line, nothing else', [{ unitAmount: 1299, quantity: 3 }], 0, 0],
  [
    'two lines, shipping, no tax',
    [
      { unitAmount: 1299, quantity: 1 },
      { unitAmount: 450, quantity: 2 },
    ],
    799,
    0,
  ],
  [
    'two lines, shipping and tax',
    [
      { unitAmount: 1299, quantity: 1 },
      { unitAmount: 450, quantity: 2 },
    ],
    799,
    193,
  ],
];

describe('hosted link amount', () => {
  it.each(carts)('%s: amount_total is the session total', async (_label, lines, shipping, tax) => {
    const sid = `cs_link_amount_${++n}`;
    const amount = lines.reduce((a, l) => a + l.unitAmount * l.quantity, 0) + shipping + tax;
    const created = await s.gateway.createPaymentLink!({
      sessionId: sid,
      attemptId: `${sid}:1`,
      idempotencyKey: `acp_${sid}_attempt_1`,
      amount,
      currency: 'usd',
      lines: lines.map((l, i) => ({ name: `Item ${i}`, ...l })),
      ...(shipping > 0 ? { shipping: { title: 'Standard', amount: shipping } } : {}),
      tax,
      expiresAt: new Date(Date.now() + 45 * 60_000).toISOString(),
      metadata: { checkout_session_id: sid },
    });
    expect(created.status).toBe('created');
    if (created.status !== 'created') return;
    const session = await s.stripe.checkout.sessions.retrieve(created.linkId);
    expect(session.amount_total).toBe(amount);
  });
});
