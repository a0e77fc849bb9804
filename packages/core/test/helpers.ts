import { validateDef } from '@acp/spec-oracle';
import { expect } from 'vitest';
import type { RequestContext, ServiceResult } from '../src/index.js';

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
