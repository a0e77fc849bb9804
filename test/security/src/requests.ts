// Valid requests (the starting points of mutations) and fixture sessions in each interesting state, created
// through the REST API of a running stack.
import { SAMPLE_ADDRESS } from '@acp/core/testing';
import { jsonOf, rawRequest } from './http.js';
import { AGENT_KEY, API_VERSION, type Stack } from './stack.js';

export const CAPS = { interventions: { supported: [] } };
export const BUYER = { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' };
export const FULFILLMENT = { name: 'Ada Lovelace', email: 'ada@example.com', address: SAMPLE_ADDRESS };

export const VALID_CREATE = {
  currency: 'usd',
  line_items: [{ id: 'mug_classic', quantity: 2 }, { id: 'ebook_mcp' }],
  capabilities: CAPS,
  buyer: BUYER,
  fulfillment_details: FULFILLMENT,
};

export const VALID_UPDATE = {
  line_items: [{ id: 'mug_classic', quantity: 1 }],
  buyer: BUYER,
  fulfillment_details: FULFILLMENT,
  selected_fulfillment_options: [{ type: 'shipping', option_id: 'ship_express', item_ids: ['mug_classic'] }],
};

export function validComplete(token: string) {
  return {
    buyer: BUYER,
    payment_data: {
      handler_id: 'card_tokenized',
      instrument: { type: 'card', credential: { type: 'spt', token } },
      billing_address: SAMPLE_ADDRESS,
    },
  };
}

export const VALID_CANCEL = {
  intent_trace: { reason_code: 'price_too_high', trace_summary: 'Found it cheaper.' },
};

/**
 * A fresh Idempotency-Key without dashes: a UUID's dash-separated digit groups can read as a CVC token or a
 * grouped card number to the leak scanners.
 */
export const idempotencyKey = () => crypto.randomUUID().replace(/-/g, '');

export function restHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorization: `Bearer ${AGENT_KEY}`,
    'api-version': API_VERSION,
    'content-type': 'application/json',
    ...extra,
  };
}

export async function restPost(stack: Stack, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await rawRequest(`${stack.url}${path}`, {
    method: 'POST',
    headers: restHeaders({ 'idempotency-key': idempotencyKey() }),
    body: JSON.stringify(body),
  });
  if (res.status >= 300)
    throw new Error(
      `fixture POST ${path} → ${res.status} ${res.text.slice(0, 300)} ${JSON.stringify(stack.capture.texts().slice(-3))}`,
    );
  return jsonOf(res.text) as Record<string, unknown>;
}

export interface Fixtures {
  /** not_ready_for_payment: a physical item, no address yet. */
  notReady: string;
  /** ready_for_payment: a digital item and a buyer. */
  ready: string;
  /** ready_for_payment, kept for shopper tools (collect_payment_info, complete_checkout). */
  ready2: string;
  canceled: string;
  completed: string;
  orderId: string;
  /** A granted test SPT for `ready` (pm_card_visa). */
  token: string;
}

export async function createFixtures(stack: Stack): Promise<Fixtures> {
  const create = (items: { id: string; quantity?: number }[]) =>
    restPost(stack, '/checkout_sessions', { currency: 'usd', line_items: items, capabilities: CAPS });
  const readyOne = async () => {
    const s = await create([{ id: 'ebook_mcp' }]);
    await restPost(stack, `/checkout_sessions/${s.id}`, { buyer: BUYER });
    return s.id as string;
  };
  const notReady = (await create([{ id: 'mug_classic' }])).id as string;
  const ready = await readyOne();
  const ready2 = await readyOne();
  const canceled = (await create([{ id: 'ebook_mcp' }])).id as string;
  await restPost(stack, `/checkout_sessions/${canceled}/cancel`, {});
  const completed = await readyOne();
  const state = await stack.service.loadSession(completed);
  const pay = await stack.testPayments.createTestToken({
    sessionId: completed,
    amount: state!.totals.total,
    currency: 'usd',
    paymentMethodId: 'pm_card_visa',
  });
  const done = await restPost(
    stack,
    `/checkout_sessions/${completed}/complete`,
    validComplete(pay.shared_payment_token),
  );
  const readyState = await stack.service.loadSession(ready);
  const token = await stack.testPayments.createTestToken({
    sessionId: ready,
    amount: readyState!.totals.total,
    currency: 'usd',
    paymentMethodId: 'pm_card_visa',
  });
  return {
    notReady,
    ready,
    ready2,
    canceled,
    completed,
    orderId: (done.order as { id: string }).id,
    token: token.shared_payment_token,
  };
}
