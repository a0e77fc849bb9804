// Stripe webhooks → core PaymentEvents. The handler verifies `Stripe-Signature` on the RAW body with
// stripe-node (`constructEventAsync`, which also works with SubtleCrypto providers), translates the Stripe
// events it understands and hands the results to `onEvent` (typically `service.handlePaymentEvent`, which is
// idempotent, so duplicate and out-of-order deliveries are harmless). Stripe event names never leave here.
// The result is a plain `{ status, body }` so any HTTP layer can mount it without Stripe types.
import type { PaymentEvent } from '@acp/core';
import Stripe from 'stripe';
import { classifyError, isResourceMissing } from './errors.js';
import { linkSessionIdOf, paymentSessionIdOf } from './metadata.js';
import { idOf, isPaymentIntentId, linkPaymentOf, paymentRefundOf } from './outcomes.js';
import { eventTypeOf } from './spt.js';

export interface StripeWebhookHandlerOptions {
  stripe: Stripe;
  /** The endpoint's signing secret(s) (`whsec_…`); several during a rotation. */
  webhookSecret: string | readonly string[];
  /** Receives each translated event. Throw to make Stripe redeliver (the handler answers 500). */
  onEvent: (event: PaymentEvent) => Promise<unknown> | unknown;
  /** Signature age tolerance in seconds (stripe-node default 300). Never 0. */
  toleranceSeconds?: number;
  /**
   * @deprecated Ignored. A declined card on the hosted page no longer ends the payment link: as on Stripe
   * Checkout, the buyer may try another card on the same open Checkout Session.
   */
  expireLinkOnPaymentFailure?: boolean;
  logger?: { warn(message: string, fields?: Record<string, unknown>): void };
}

export interface WebhookResponse {
  status: number;
  body: { received: boolean; events?: number; ignored?: boolean; error?: string };
}

export type StripeWebhookHandler = (
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
) => Promise<WebhookResponse>;

export function createStripeWebhookHandler(options: StripeWebhookHandlerOptions): StripeWebhookHandler {
  const { stripe } = options;
  const secrets =
    typeof options.webhookSecret === 'string' ? [options.webhookSecret] : [...options.webhookSecret];
  if (secrets.length === 0 || secrets.some((s) => !s))
    throw new TypeError('createStripeWebhookHandler: webhookSecret is required.');
  if (options.toleranceSeconds === 0)
    throw new TypeError('createStripeWebhookHandler: a tolerance of 0 disables replay protection.');

  async function verify(raw: string | Uint8Array, header: string): Promise<Stripe.Event | undefined> {
    for (const secret of secrets) {
      try {
        return await stripe.webhooks.constructEventAsync(raw, header, secret, options.toleranceSeconds);
      } catch (e) {
        if (!(e instanceof Stripe.errors.StripeSignatureVerificationError)) throw e;
      }
    }
    return undefined;
  }

  /**
   * The checkout session a PaymentIntent was taken for (its `acp_checkout_session_id` metadata), so that core
   * can tell a refund of one of its payments whose order is not recorded yet (Stripe does not order webhook
   * deliveries) from a refund of a payment that is not ours. Read from Stripe: a refund does not carry its
   * PaymentIntent's metadata.
   */
  async function sessionOfPayment(paymentId: string): Promise<string | undefined> {
    if (!isPaymentIntentId(paymentId)) return undefined;
    try {
      return paymentSessionIdOf(await stripe.paymentIntents.retrieve(paymentId));
    } catch (e) {
      // Unknown to this account: not one of our payments. Anything else (network, 5xx) throws: the webhook
      // answers 500 and Stripe redelivers.
      if (isResourceMissing(classifyError(e))) return undefined;
      throw e;
    }
  }

  async function fromRefund(
    r: Stripe.Refund,
    sessions: Map<string, string | undefined>,
  ): Promise<PaymentEvent | undefined> {
    const paymentId = idOf(r.payment_intent);
    if (!paymentId) return undefined;
    if (!sessions.has(paymentId)) sessions.set(paymentId, await sessionOfPayment(paymentId));
    const sessionId = sessions.get(paymentId);
    return { type: 'refund.updated', paymentId, ...(sessionId ? { sessionId } : {}), ...paymentRefundOf(r) };
  }

  async function translate(event: Stripe.Event): Promise<PaymentEvent[]> {
    switch (eventTypeOf(event)) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const s = event.data.object as Stripe.Checkout.Session;
        const sessionId = linkSessionIdOf(s);
        const { paymentId, amount, currency } = linkPaymentOf(s);
        if (!sessionId || !paymentId || s.mode !== 'payment' || s.payment_status !== 'paid') return [];
        return [{ type: 'payment_link.succeeded', sessionId, linkId: s.id, paymentId, amount, currency }];
      }
      case 'checkout.session.expired': {
        const s = event.data.object as Stripe.Checkout.Session;
        const sessionId = linkSessionIdOf(s);
        return sessionId ? [{ type: 'payment_link.expired', sessionId, linkId: s.id }] : [];
      }
      case 'checkout.session.async_payment_failed': {
        const s = event.data.object as Stripe.Checkout.Session;
        const sessionId = linkSessionIdOf(s);
        return sessionId
          ? [
              {
                type: 'payment_link.failed',
                sessionId,
                linkId: s.id,
                message: 'The payment failed. Please try again or use a different payment method.',
              },
            ]
          : [];
      }
      case 'payment_intent.payment_failed': {
        // A declined card on the hosted Checkout page is NOT the end of the payment link: Stripe Checkout
        // shows the error and the buyer may try another card on the same open Checkout Session (its
        // PaymentIntent returns to requires_payment_method). The link ends only with
        // checkout.session.completed / async_payment_succeeded (paid), checkout.session.async_payment_failed
        // or checkout.session.expired; direct SPT charges report their outcome synchronously. So this event
        // changes nothing (a Checkout Session that is still open stays payable).
        return [];
      }
      case 'charge.refunded': {
        const charge = event.data.object as Stripe.Charge;
        // The charge does not say which refund happened: report every refund of the charge (the engine keeps
        // one ledger entry per refund with its latest status, so repeats change nothing).
        const refunds = await stripe.refunds.list({ charge: charge.id, limit: 100 });
        const sessions = new Map<string, string | undefined>();
        const events: PaymentEvent[] = [];
        for (const r of refunds.data) {
          const e = await fromRefund(r, sessions);
          if (e) events.push(e);
        }
        return events;
      }
      case 'refund.created':
      case 'refund.updated':
      case 'refund.failed': {
        const e = await fromRefund(event.data.object as Stripe.Refund, new Map());
        return e ? [e] : [];
      }
      default:
        return [];
    }
  }

  return async (rawBody, signatureHeader) => {
    if (!signatureHeader)
      return { status: 400, body: { received: false, error: 'Missing Stripe-Signature header.' } };
    let event: Stripe.Event | undefined;
    try {
      event = await verify(rawBody, signatureHeader);
    } catch {
      event = undefined;
    }
    if (!event) return { status: 400, body: { received: false, error: 'Invalid Stripe-Signature.' } };
    let events: PaymentEvent[];
    try {
      events = await translate(event);
    } catch (e) {
      options.logger?.warn('Stripe webhook: could not translate the event; Stripe will redeliver', {
        eventId: event.id,
        type: eventTypeOf(event),
        cause: e instanceof Error ? e.message : String(e),
      });
      return { status: 500, body: { received: false, error: 'Temporary failure; redeliver.' } };
    }
    if (events.length === 0) return { status: 200, body: { received: true, ignored: true } };
    try {
      for (const e of events) await options.onEvent(e);
    } catch (e) {
      options.logger?.warn('Stripe webhook: onEvent failed; Stripe will redeliver', {
        eventId: event.id,
        cause: e instanceof Error ? e.message : String(e),
      });
      return { status: 500, body: { received: false, error: 'Temporary failure; redeliver.' } };
    }
    return { status: 200, body: { received: true, events: events.length } };
  };
}
