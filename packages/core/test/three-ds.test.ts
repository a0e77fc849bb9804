// 3D Secure is never a dead end: an agent without the `3ds` intervention gets a payable session and a pointer
// to the hosted payment link; a payment left waiting for 3DS is canceled at the PSP when its session is
// canceled or its attempt is superseded (best effort, never blocking).
import { specPresent } from '@acp/spec-oracle';
import { describe, expect, it, vi } from 'vitest';
import type { CheckoutSession, PaymentGatewayV1 } from '../src/index.js';
import { createMemoryGateway, createTestCheckout, MEMORY_TEST_TOKENS } from '../src/testing/index.js';
import { ctx, expectSchemaValid, paymentData } from './helpers.js';

const digital = (supported: string[]) => ({
  line_items: [{ id: 'ebook_mcp' }],
  currency: 'usd',
  capabilities: { interventions: { supported } },
  buyer: { email: 'ada@example.com' },
});

async function ready(supported: string[], t = createTestCheckout()) {
  const r = await t.service.createSession(digital(supported), ctx());
  const s = r.body as CheckoutSession;
  expect(s.status).toBe('ready_for_payment');
  return { t, id: s.id };
}

const authenticated = {
  outcome: 'authenticated' as const,
  outcome_details: {
    three_ds_cryptogram: 'AAAB',
    electronic_commerce_indicator: '05' as const,
    transaction_id: 'tx',
    version: '2.2.0',
  },
};

describe.skipIf(!specPresent())('3D Secure for agents that cannot authenticate', () => {
  it('interventions.supported: [] → no authentication_required: the session stays payable and points to the payment link', async () => {
    const { t, id } = await ready([]);
    const r = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    expectSchemaValid(r);
    const s = r.body as CheckoutSession;
    expect(s.status).toBe('ready_for_payment');
    expect(s.authentication_metadata).toBeUndefined();
    const error = s.messages.find((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'payment_declined', param: '$.payment_data' });
    expect((error as { content: string }).content).toMatch(/create_payment_link/);
    expect((error as { content: string }).content).toMatch(/3D Secure/);
    // the attempt told the PSP the agent cannot authenticate
    const [attempt] = await t.store.listPaymentAttempts(id);
    expect(attempt).toMatchObject({ authenticationAvailable: false, status: 'declined' });
    // …and the hosted payment link is offered for it
    const link = await t.service.createPaymentLink(id, { caller: 'agent_test' });
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({ checkout_session_id: id });
  });

  it('an agent that supports 3ds still gets authentication_required (the attempt says so)', async () => {
    const { t, id } = await ready(['3ds']);
    const r = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    expect((r.body as CheckoutSession).status).toBe('authentication_required');
    const [attempt] = await t.store.listPaymentAttempts(id);
    expect(attempt?.authenticationAvailable).toBeUndefined();
  });

  it('without a payment-link provider the message does not point to one', async () => {
    const memory = createMemoryGateway();
    const gateway: PaymentGatewayV1 = { version: 1, charge: memory.charge, reconcile: memory.reconcile! };
    const { t, id } = await ready([], createTestCheckout({ gateway }));
    const r = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    const error = (r.body as CheckoutSession).messages.find((m) => m.type === 'error') as { content: string };
    expect(error.content).not.toMatch(/payment_link/);
    expect(error.content).toMatch(/different payment method/);
  });
});

describe.skipIf(!specPresent())('a payment waiting for 3DS is canceled when nobody will finish it', () => {
  async function waiting() {
    const { t, id } = await ready(['3ds']);
    const r = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    expect((r.body as CheckoutSession).status).toBe('authentication_required');
    const [attempt] = await t.store.listPaymentAttempts(id);
    return { t, id, paymentId: attempt!.paymentId! };
  }

  it('session canceled → the attempt is abandoned and its payment canceled', async () => {
    const { t, id, paymentId } = await waiting();
    const r = await t.service.cancelSession(id, {}, ctx());
    expect((r.body as CheckoutSession).status).toBe('canceled');
    await vi.waitFor(() => expect(t.gateway.canceledPayments).toEqual([paymentId]));
    const [attempt] = await t.store.listPaymentAttempts(id);
    expect(attempt?.status).toBe('abandoned');
  });

  it('authentication failed → the attempt is superseded: its payment canceled, a new complete charges anew', async () => {
    const { t, id, paymentId } = await waiting();
    const denied = await t.service.completeSession(
      id,
      {
        payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction),
        authentication_result: { outcome: 'denied' },
      },
      ctx(),
    );
    expect((denied.body as CheckoutSession).status).toBe('ready_for_payment');
    await vi.waitFor(() => expect(t.gateway.canceledPayments).toEqual([paymentId]));
    const paid = await t.service.completeSession(id, { payment_data: paymentData() }, ctx());
    expect((paid.body as CheckoutSession).status).toBe('completed');
  });

  it('authenticated → the same payment continues, nothing is canceled', async () => {
    const { t, id } = await waiting();
    const ok = await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction), authentication_result: authenticated },
      ctx(),
    );
    expect((ok.body as CheckoutSession).status).toBe('completed');
    expect(t.gateway.canceledPayments).toEqual([]);
  });

  it('a PSP outage never blocks the cancel: retried in the background, then logged', async () => {
    const memory = createMemoryGateway();
    let calls = 0;
    const gateway: PaymentGatewayV1 = {
      ...memory,
      charge: memory.charge,
      reconcile: memory.reconcile!,
      async cancelPayment(paymentId) {
        calls++;
        if (calls < 2) throw new Error('PSP unreachable');
        if (calls < 3) return { status: 'retryable_failure' };
        return memory.cancelPayment!(paymentId);
      },
    };
    const t = createTestCheckout({ gateway });
    const { id } = await ready(['3ds'], t);
    await t.service.completeSession(
      id,
      { payment_data: paymentData(MEMORY_TEST_TOKENS.requiresAction) },
      ctx(),
    );
    const r = await t.service.cancelSession(id, {}, ctx());
    expect(r.status).toBe(200);
    expect((r.body as CheckoutSession).status).toBe('canceled');
    await vi.waitFor(() => expect(memory.canceledPayments).toHaveLength(1), { timeout: 5000 });
    expect(calls).toBe(3);
  });
});
