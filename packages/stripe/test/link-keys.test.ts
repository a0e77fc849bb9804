// Regression (found by the reliability campaign, test/reliability): core derives the PSP idempotency key of a
// payment-link attempt and of a charge attempt from the same counter (`acp_<session>_attempt_<n>`), and a link
// attempt is only recorded once its Checkout Session exists. When that create's answer is lost, the session
// stays payable with the counter unchanged, so the next SPT complete sends its PaymentIntent under the key the
// Checkout Session already used. Stripe keys are per account, not per endpoint: Stripe refuses the
// PaymentIntent with 400 `idempotency_error`, the gateway reports an unknown outcome, and the session stayed in
// complete_in_progress for good (every recovery hit the same error). The gateway now sends Checkout Session
// creates under their own key namespace, so the two can never collide.
import type { CheckoutSession, RequestContext } from '@acp/core';
import { createSystemClock, createTestCheckout } from '@acp/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestContext, type Setup, setup } from './fixture.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(async () => {
  await s.emulator.close();
});

const ctx = (key: string): RequestContext => requestContext('agent_keys', key);

it('an SPT complete after a payment-link create whose answer was lost charges once and completes', async () => {
  const t = createTestCheckout({ gateway: s.gateway, clock: createSystemClock() });
  const created = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      buyer: { email: 'ada@example.com' },
      capabilities: { interventions: { supported: [] } },
    },
    ctx('create'),
  );
  const session = created.body as CheckoutSession;
  const total = session.totals.find((x) => x.type === 'total')!.amount;

  // Stripe creates the Checkout Session; its answer is lost, and stripe-node's immediate retry never reaches
  // Stripe's idempotency layer (a 500 could not happen there: Stripe would replay the saved session).
  s.emulator.injectFaults(
    { kind: 'lost_response', method: 'POST', path: '/v1/checkout/sessions' },
    { kind: 'drop_connection', method: 'POST', path: '/v1/checkout/sessions' },
  );
  const link = await t.service.createPaymentLink(session.id, { caller: 'agent_keys' });
  expect(link.status).toBe(503);
  expect((await t.service.loadSession(session.id))?.status).toBe('ready_for_payment');

  // The agent pays with an SPT instead.
  const token = await s.token('pm_card_visa', total);
  const paid = await t.service.completeSession(
    session.id,
    {
      payment_data: {
        handler_id: 'card_tokenized',
        instrument: { type: 'card', credential: { type: 'spt', token } },
      },
    },
    ctx('complete'),
  );
  expect(paid.status).toBe(200);
  expect((paid.body as CheckoutSession).status).toBe('completed');
  const charges = s.succeededFor(session.id);
  expect(charges).toHaveLength(1);
  expect((await t.service.getOrderBySession(session.id))?.paymentId).toBe(charges[0]!.id);
  // The Checkout Session and the PaymentIntent went out under different keys.
  const keys = s.emulator.requests
    .filter(
      (r) => r.method === 'POST' && (r.path === '/v1/checkout/sessions' || r.path === '/v1/payment_intents'),
    )
    .map((r) => `${r.path} ${r.idempotencyKey}`);
  const checkoutKeys = new Set(keys.filter((k) => k.startsWith('/v1/checkout')).map((k) => k.split(' ')[1]));
  const intentKeys = new Set(
    keys.filter((k) => k.startsWith('/v1/payment_intents')).map((k) => k.split(' ')[1]),
  );
  expect([...checkoutKeys].filter((k) => intentKeys.has(k))).toEqual([]);
});
