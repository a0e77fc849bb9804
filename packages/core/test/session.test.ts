// The session union (domain.ts `SessionState`): each status carries exactly its own fields, built by the
// constructors of engine/session.ts; a session stored by an older version (one flat shape, where fields of an
// earlier status could be left over) still loads and moves on.
import { describe, expect, it } from 'vitest';
import type { SessionBase, SessionState } from '../src/domain.js';
import {
  awaitsCharge,
  awaitsLink,
  baseOf,
  pendingLinkOf,
  toAuthenticating,
  toCharging,
  toClosed,
  toCompleted,
  toLink,
  toPayable,
} from '../src/engine/session.js';
import type { CheckoutSession } from '../src/index.js';
import { sampleSessionState } from '../src/testing/contracts-index.js';
import { createTestCheckout } from '../src/testing/index.js';
import { ctx } from './helpers.js';

const metadata = {
  acquirer_details: {
    acquirer_bin: '424242',
    acquirer_country: 'US',
    acquirer_merchant_id: 'acq_1',
    merchant_name: 'Test',
  },
  directory_server: 'visa',
} as const;
const link = { attemptId: 'cs_1:2', linkId: 'cs_link', url: 'https://pay.example/cs_link', expiresAt: 'x' };
const VARIANT_FIELDS = [
  'status',
  'currentAttemptId',
  'authenticationMetadata',
  'paymentLink',
  'pendingLinkAttemptId',
  'orderId',
];

/** A session in the flat shape older versions stored: every variant field set at once. */
function flat(): SessionBase & Record<string, unknown> {
  return {
    ...baseOf(sampleSessionState('cs_1')),
    status: 'expired',
    currentAttemptId: 'cs_1:1',
    authenticationMetadata: metadata,
    paymentLink: link,
    pendingLinkAttemptId: 'cs_1:2',
    orderId: 'ord_1',
  };
}

describe('session variants', () => {
  it('baseOf keeps the base fields only', () => {
    const base = baseOf(flat());
    for (const f of VARIANT_FIELDS) expect(Object.keys(base)).not.toContain(f);
    expect(base).toEqual(baseOf(sampleSessionState('cs_1')));
  });

  it('each constructor carries exactly the fields of its status, whatever the session had', () => {
    const own = (s: SessionState) =>
      Object.keys(s)
        .filter((k) => VARIANT_FIELDS.includes(k))
        .sort();
    expect(own(toPayable(flat(), 'ready_for_payment'))).toEqual(['status']);
    expect(own(toPayable(flat(), 'ready_for_payment', 'cs_1:2'))).toEqual(['pendingLinkAttemptId', 'status']);
    expect(own(toCharging(flat(), 'cs_1:3'))).toEqual(['currentAttemptId', 'status']);
    expect(
      own(toCharging(flat(), 'cs_1:3', { authenticationMetadata: metadata, pendingLinkAttemptId: 'cs_1:2' })),
    ).toEqual(['authenticationMetadata', 'currentAttemptId', 'pendingLinkAttemptId', 'status']);
    expect(own(toAuthenticating(flat(), 'cs_1:3', metadata))).toEqual([
      'authenticationMetadata',
      'currentAttemptId',
      'status',
    ]);
    const open = toLink(flat(), link);
    expect(own(open)).toEqual(['currentAttemptId', 'paymentLink', 'status']);
    expect(open.currentAttemptId).toBe(link.attemptId);
    expect(own(toCompleted(flat(), 'ord_2'))).toEqual(['orderId', 'status']);
    expect(own(toClosed(flat(), 'canceled'))).toEqual(['status']);
  });

  it('a recorded link attempt is read only where its status keeps one', () => {
    const stored = flat() as unknown as SessionState; // an expired session of the old flat shape
    expect(pendingLinkOf(stored)).toBeUndefined();
    expect(awaitsLink(stored, 'cs_1:2')).toBe(false);
    expect(awaitsCharge(stored, 'cs_1:1')).toBe(false);
    const charging = toCharging(flat(), 'cs_1:3', { pendingLinkAttemptId: 'cs_1:2' });
    expect(pendingLinkOf(charging)).toBe('cs_1:2');
    expect(awaitsLink(charging, 'cs_1:2')).toBe(true);
    expect(awaitsCharge(charging, 'cs_1:3')).toBe(true);
    expect(pendingLinkOf(toLink(flat(), link))).toBeUndefined();
  });

  it('a session stored in the old flat shape loads, renders its status only, and is completed by its link', async () => {
    const t = createTestCheckout();
    const created = await t.service.createSession(
      {
        line_items: [{ id: 'ebook_mcp' }],
        currency: 'usd',
        capabilities: {},
        buyer: { email: 'ada@example.com' },
      },
      ctx(),
    );
    const id = (created.body as CheckoutSession).id;
    const opened = await t.service.createPaymentLink(id, { caller: 'agent_test' });
    const url = (opened.body as { url: string }).url;
    // The open link's session as an older version could have stored it: with fields of earlier statuses.
    const stored = (await t.store.getSession(id))!;
    expect(stored.state.status).toBe('in_progress');
    const old = { ...stored.state, authenticationMetadata: metadata, pendingLinkAttemptId: `${id}:9` };
    expect((await t.store.commit({ session: old, expectedVersion: stored.version })).ok).toBe(true);

    const read = await t.service.getSession(id, ctx());
    expect(read.status).toBe(200);
    const body = read.body as CheckoutSession;
    expect(body.status).toBe('in_progress');
    expect(body.continue_url).toBe(url);
    expect(body.authentication_metadata).toBeUndefined();

    const paid = t.gateway.payLink(url.split('/').pop()!);
    expect(await t.service.handlePaymentEvent(paid)).toMatchObject({ applied: true });
    const done = (await t.store.getSession(id))!.state;
    expect(done.status).toBe('completed');
    expect(
      Object.keys(done)
        .filter((k) => VARIANT_FIELDS.includes(k))
        .sort(),
    ).toEqual(['orderId', 'status']);
    expect(done.status === 'completed' && done.orderId).toBe(
      (await t.service.getOrderBySession(id))?.order.id,
    );
  });
});
