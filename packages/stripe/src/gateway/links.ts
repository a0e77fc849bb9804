// Hosted payment links: Stripe Checkout Sessions in `payment` mode. Create (under a key of their own),
// retrieve (never changes the session) and expire (a payment that got there first wins).
import type { PaymentGatewayV1, PaymentLinkRequest, PaymentLinkResult, PaymentLinkStatus } from '@acp/core';
import type Stripe from 'stripe';
import { classifyError, linkCreateFailure, linkLookupFailure, StripeAdapterError } from '../errors.js';
import type { PaymentLinkSettings } from '../gateway.js';
import { acpMetadata } from '../metadata.js';
import { isPaidLink, linkPaymentOf } from '../outcomes.js';
import { defaultDescription, type GatewayContext } from './context.js';

type ExpireResult = Awaited<ReturnType<NonNullable<PaymentGatewayV1['expirePaymentLink']>>>;

/**
 * Stripe idempotency keys are scoped to the account, not to the endpoint, and core numbers payment-link and
 * charge attempts with one counter. A link attempt is recorded only after its Checkout Session exists, so
 * after a lost create answer the next charge attempt gets the same number, hence the same key: under one key
 * Stripe would refuse the PaymentIntent (`idempotency_error`) for 24 h. Checkout Sessions get their own
 * namespace, still a pure function of the attempt's key.
 */
const checkoutSessionKey = (attemptKey: string) => `${attemptKey}_checkout_session`;
const isoFromUnix = (s: number) => new Date(s * 1000).toISOString();
/** The name of the single line that carries the exact session total when the lines do not add up. */
const ORDER_TOTAL = 'Order total';

export async function createPaymentLink(
  ctx: GatewayContext,
  links: PaymentLinkSettings,
  req: PaymentLinkRequest,
): Promise<PaymentLinkResult> {
  // Sent exactly as core stored it on the attempt (core keeps it within Stripe's 30 min .. 24 h and reuses
  // an attempt only while it still is): a retry under the same key must send identical parameters, so
  // nothing here may depend on the current time.
  const expiresAt = Math.floor(Date.parse(req.expiresAt) / 1000);
  if (!Number.isFinite(expiresAt)) {
    throw new StripeAdapterError('stripe_request_failed', 'The payment link expiry is not a valid time.');
  }
  const metadata = acpMetadata(req, 'payment_link');
  const currency = req.currency.toLowerCase();
  const itemized = checkoutLineItems(req);
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'payment',
    line_items: itemized,
    success_url: links.successUrl,
    ...(links.cancelUrl ? { cancel_url: links.cancelUrl } : {}),
    expires_at: expiresAt,
    client_reference_id: req.sessionId,
    metadata,
    payment_intent_data: {
      metadata,
      description: ctx.describe(req.sessionId) ?? defaultDescription(req.sessionId),
    },
    ...(req.buyerEmail ? { customer_email: req.buyerEmail } : {}),
    ...(req.shipping && req.shipping.amount > 0
      ? {
          shipping_options: [
            {
              shipping_rate_data: {
                type: 'fixed_amount',
                display_name: req.shipping.title.slice(0, 100) || 'Shipping',
                fixed_amount: { amount: req.shipping.amount, currency },
              },
            },
          ],
        }
      : {}),
  };
  // Shipping in a single summary line is already included in its amount.
  if (itemized.length === 1 && itemized[0]?.price_data?.product_data?.name === ORDER_TOTAL)
    delete params.shipping_options;
  try {
    const session = await ctx.call(() =>
      ctx.stripe.checkout.sessions.create(params, { idempotencyKey: checkoutSessionKey(req.idempotencyKey) }),
    );
    if (!session.url)
      throw new StripeAdapterError(
        'stripe_request_failed',
        'Stripe returned a Checkout Session without a URL.',
      );
    return {
      status: 'created',
      linkId: session.id,
      url: session.url,
      expiresAt: isoFromUnix(session.expires_at),
    };
  } catch (e) {
    return linkCreateFailure(e, req.attemptId, ctx.logger);
  }
}

/** Reads the Checkout Session (never changes it): paid, expired, or still open. */
export async function retrievePaymentLink(ctx: GatewayContext, linkId: string): Promise<PaymentLinkStatus> {
  try {
    const s = await ctx.call(() => ctx.stripe.checkout.sessions.retrieve(linkId));
    if (isPaidLink(s)) {
      const { paymentId, amount, currency } = linkPaymentOf(s);
      if (paymentId) return { status: 'paid', paymentId, amount, currency };
    }
    if (s.status === 'expired') return { status: 'expired' };
    // Complete with an asynchronous payment that failed: no payment will come, the link is over.
    if (s.status === 'complete' && (await asyncPaymentFailed(ctx, s))) return { status: 'expired' };
    // Open, or complete with an asynchronous payment still settling: its outcome arrives later.
    return { status: 'open' };
  } catch (e) {
    return linkLookupFailure(e, linkId, 'Stripe could not be asked about the payment link.', ctx.logger);
  }
}

/** Closes the Checkout Session unless it was paid first. */
export async function expirePaymentLink(ctx: GatewayContext, linkId: string): Promise<ExpireResult> {
  const completed = (s: Stripe.Checkout.Session): ExpireResult => {
    const { paymentId, amount, currency } = linkPaymentOf(s);
    return { status: 'completed', paymentId: paymentId ?? '', amount, currency };
  };
  try {
    const s = await ctx.call(() => ctx.stripe.checkout.sessions.retrieve(linkId));
    if (isPaidLink(s)) return completed(s);
    if (s.status === 'expired') return { status: 'expired' };
    if (s.status === 'complete') return settlingOrOver(ctx, s, linkId);
    try {
      await ctx.call(() => ctx.stripe.checkout.sessions.expire(linkId));
      return { status: 'expired' };
    } catch (e) {
      if (classifyError(e).kind !== 'invalid') throw e;
      // Paid between our retrieve and expire: the payment wins.
      const again = await ctx.call(() => ctx.stripe.checkout.sessions.retrieve(linkId));
      if (isPaidLink(again)) return completed(again);
      if (again.status === 'complete') return settlingOrOver(ctx, again, linkId);
      return { status: 'expired' };
    }
  } catch (e) {
    return linkLookupFailure(e, linkId, 'Stripe could not close the payment link; retry.', ctx.logger);
  }
}

/**
 * Whether a `complete` but unpaid Checkout Session's asynchronous payment failed: Stripe leaves the session
 * `complete` + `unpaid` and returns its PaymentIntent to `requires_payment_method` (or it is `canceled`), and a
 * complete session cannot be paid again (https://docs.stripe.com/payments/checkout/how-checkout-works#complete).
 * Only a PaymentIntent still `processing` (or not readable yet) means money may be moving.
 */
async function asyncPaymentFailed(ctx: GatewayContext, s: Stripe.Checkout.Session): Promise<boolean> {
  const piId = typeof s.payment_intent === 'string' ? s.payment_intent : s.payment_intent?.id;
  if (!piId) return false;
  const pi = await ctx.call(() => ctx.stripe.paymentIntents.retrieve(piId));
  return pi.status === 'requires_payment_method' || pi.status === 'canceled';
}

/** A complete, unpaid Checkout Session on cancel: over if its payment failed, else not closable yet. */
async function settlingOrOver(
  ctx: GatewayContext,
  s: Stripe.Checkout.Session,
  linkId: string,
): Promise<ExpireResult> {
  return (await asyncPaymentFailed(ctx, s)) ? { status: 'expired' } : paymentSettling(linkId, ctx);
}

/**
 * A Checkout Session that is `complete` but not yet `paid`: the buyer paid with a delayed method (bank debit,
 * transfer) and the money is still moving (`checkout.session.async_payment_succeeded` or `_failed` follows:
 * https://docs.stripe.com/payments/checkout/how-checkout-works#complete). It cannot be closed, and it is not
 * closed: a cancel must wait for the outcome (the payment wins if it succeeds).
 */
function paymentSettling(linkId: string, ctx: GatewayContext): ExpireResult {
  ctx.logger?.warn('a payment link cannot be closed: its payment is still settling', { linkId });
  return {
    status: 'retryable_failure',
    message: 'The payment on the hosted page is still being processed; retry once it settles.',
  };
}

function checkoutLineItems(req: PaymentLinkRequest): Stripe.Checkout.SessionCreateParams.LineItem[] {
  const currency = req.currency.toLowerCase();
  const itemized =
    req.lines.reduce((a, l) => a + l.unitAmount * l.quantity, 0) + req.tax + (req.shipping?.amount ?? 0);
  if (itemized !== req.amount || req.lines.some((l) => l.unitAmount < 0)) {
    // Discounts make the lines not add up: charge one line with the exact session total.
    return [
      {
        quantity: 1,
        price_data: {
          currency,
          unit_amount: req.amount,
          product_data: {
            name: ORDER_TOTAL,
            description:
              req.lines
                .map((l) => `${l.quantity} × ${l.name}`)
                .join(', ')
                .slice(0, 500) || 'Order',
          },
        },
      },
    ];
  }
  const items: Stripe.Checkout.SessionCreateParams.LineItem[] = req.lines.map((l) => ({
    quantity: l.quantity,
    price_data: {
      currency,
      unit_amount: l.unitAmount,
      product_data: {
        name: l.name,
        ...(l.description ? { description: l.description } : {}),
        ...(l.images?.length ? { images: l.images.slice(0, 8) } : {}),
      },
    },
  }));
  if (req.tax > 0) {
    items.push({
      quantity: 1,
      price_data: { currency, unit_amount: req.tax, product_data: { name: 'Tax' } },
    });
  }
  return items;
}
