// Review (v2-core, review-2): `reconcile` falls back to PaymentIntent Search when the List API window holds more
// PaymentIntents than `reconcileListLimit`, and settles the attempt from the search hit itself. Stripe documents
// that search lags writes, new AND updated data ("Propagation of new or updated data can be more delayed during
// an outage": https://docs.stripe.com/search#data-freshness), so a hit proves that the PaymentIntent exists, not
// what state it is in now. A hit still showing the state from before its confirm finished
// (`requires_payment_method`, no error yet) is read as a card decline, which core treats as final, while the
// PaymentIntent succeeded: the buyer is charged, the session says "declined" and takes a second payment.
// Retrieving the hit by id (read-after-write consistent) before `settle` would give the real state.
// Defect on ed0b1da and on v2-core alike: this test fails on both. The emulator's search shows current state,
// so a stripe-node double stands in for Stripe.
import type { PaymentAttempt } from '@acp/core';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeGateway } from '../src/index.js';

const KEY = 'acp_cs_review_search_attempt_1';

function pi(status: Stripe.PaymentIntent.Status, id = 'pi_review_1'): Stripe.PaymentIntent {
  return {
    id,
    object: 'payment_intent',
    status,
    amount: 2599,
    amount_received: status === 'succeeded' ? 2599 : 0,
    currency: 'usd',
    metadata: { acp_idempotency_key: KEY },
    last_payment_error: null,
    latest_charge: null,
    payment_method: null,
  } as unknown as Stripe.PaymentIntent;
}

function busyAccountStripe() {
  const calls: string[] = [];
  const stripe = {
    paymentIntents: {
      // A busy account: more PaymentIntents of other checkouts in the window than the scan may read.
      list() {
        calls.push('list');
        return {
          async *[Symbol.asyncIterator]() {
            for (let i = 0; i < 500; i++) yield { ...pi('succeeded', `pi_other_${i}`), metadata: {} };
          },
        };
      },
      async search() {
        calls.push('search');
        // The index still holds the PaymentIntent as it was before its confirm completed.
        return { object: 'search_result', data: [pi('requires_payment_method')], has_more: false };
      },
      async retrieve(id: string) {
        calls.push(`retrieve ${id}`);
        return pi('succeeded', id);
      },
      async cancel(id: string) {
        calls.push(`cancel ${id}`);
        return pi('canceled', id);
      },
    },
  } as unknown as Stripe;
  return { stripe, calls };
}

describe('review-2 R1 (low, ed0b1da and v2-core): a search hit is settled without reading the PaymentIntent', () => {
  it('reconcile reports the charge that succeeded, not the state a lagging search index still shows', async () => {
    const { stripe, calls } = busyAccountStripe();
    const gateway = createStripeGateway({ stripe, reconcileListLimit: 100 });
    const attempt = {
      id: 'cs_review_search:1',
      kind: 'charge',
      idempotencyKey: KEY,
      createdAt: new Date(Date.now() - 60_000).toISOString(),
    } as PaymentAttempt;
    const result = await gateway.reconcile!(attempt, {
      sentFrom: new Date(Date.now() - 60_000).toISOString(),
      sentUntil: new Date().toISOString(),
    });
    expect(calls).toContain('search');
    expect(result).toMatchObject({ status: 'succeeded', paymentId: 'pi_review_1' });
  });
});
