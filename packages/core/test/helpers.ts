import { validateDef } from '@acp/spec-oracle';
import { expect } from 'vitest';
import type {
  CheckoutSession,
  Logger,
  PaymentGatewayV1,
  RequestContext,
  ServiceResult,
} from '../src/index.js';
import { createMemoryGateway, createTestCheckout, MEMORY_TEST_TOKENS } from '../src/testing/index.js';

export const V = '2026-04-17';
let keyCounter = 0;
export const ctx = (extra: Partial<RequestContext> = {}): RequestContext => ({
  caller: 'agent_test',
  apiVersion: V,
  idempotencyKey: `idem_${++keyCounter}`,
  ...extra,
});

/** Asserts the official JSON Schema accepts a service answer (session, session with order, or Error). */
export function expectSchemaValid(r: ServiceResult<unknown>, def?: string): void {
  const name = def ?? (r.status >= 400 ? 'Error' : 'CheckoutSession');
  const v = validateDef(name, r.body);
  expect(v.valid, `${name} invalid:\n${v.text}\n${JSON.stringify(r.body, null, 2)}`).toBe(true);
}

export const SPT = {
  handler_id: 'card_tokenized',
  instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
};
export const paymentData = (token = 'spt_test_visa') => ({
  handler_id: 'card_tokenized',
  instrument: { type: 'card', credential: { type: 'spt', token } },
});

/** A session whose first charge attempt is closed on List proof while its third send hangs; the hung send
 * executes at the PSP on `execute()` and its answer reaches us on `answer()`. */
export async function hungLateCharge(options: { logger?: Logger } = {}) {
  const memory = createMemoryGateway();
  let calls = 0;
  let execute!: () => void;
  let answer!: () => void;
  const executed = new Promise<void>((r) => {
    execute = r;
  });
  const answered = new Promise<void>((r) => {
    answer = r;
  });
  const gateway: PaymentGatewayV1 = {
    ...memory,
    async charge(req) {
      calls++;
      if (calls !== 3) return memory.charge(req);
      await executed;
      const r = await memory.charge(req);
      await answered;
      return r;
    },
  };
  const t = createTestCheckout({ gateway, ...options });
  const r = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      capabilities: {},
      buyer: { email: 'ada@example.com' },
    },
    ctx(),
  );
  const session = r.body as CheckoutSession;
  const id = session.id;
  const total = session.totals.find((x) => x.type === 'total')!.amount;
  memory.injectFaults('server_error', 'server_error');
  const body = { payment_data: paymentData(MEMORY_TEST_TOKENS.succeeds) };
  expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'a' }))).status).toBe(503);
  t.clock.advance(10_000);
  expect((await t.service.completeSession(id, body, ctx({ idempotencyKey: 'a' }))).status).toBe(503);
  t.clock.advance(100_000);
  const hung = t.service.completeSession(id, body, ctx({ idempotencyKey: 'a' }));
  await new Promise((res) => setTimeout(res, 10));
  t.clock.advance(301_000);
  return { t, memory, id, total, hung, execute, answer };
}
