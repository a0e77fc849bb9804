// Charging a Shared Payment Token: the granted-token preflight, the PaymentIntent create (confirmed at
// once), the 3D Secure continuation (confirm with the agent's authentication result), and what a
// PaymentIntent's state means for the charge (`settle`, which cancels one that waits for 3DS nobody can do).
import type { ChargeRequest, ChargeResult } from '@acp/core';
import type Stripe from 'stripe';
import { cancelFailure, chargeFailure, confirmFailure, tokenLookupFailure } from '../errors.js';
import { acpMetadata } from '../metadata.js';
import { fromPaymentIntent, isPaymentIntentId, tokenUnusable } from '../outcomes.js';
import { createPaymentIntentWithSpt, type GrantedToken, isSptId, retrieveGrantedToken } from '../spt.js';
import { EXPAND, type GatewayContext } from './context.js';
import { tokenProblem } from './credential.js';

export async function charge(ctx: GatewayContext, req: ChargeRequest): Promise<ChargeResult> {
  if (req.continuePaymentId) return continueAfterAuthentication(ctx, req, req.continuePaymentId);
  if (req.credential.type !== 'spt') {
    return {
      status: 'declined',
      code: 'unsupported_credential',
      message: 'This store accepts Stripe Shared Payment Tokens only.',
    };
  }
  const token = req.credential.token;
  // Never send anything but an SPT id to Stripe (it goes into a URL path on retrieve).
  if (!isSptId(token)) return tokenUnusable('not_found');
  // 3DS only when it can be offered (acquirer data configured) and the agent can perform it; otherwise
  // fail fast instead of leaving the PaymentIntent in requires_action (stripe.md §2.4, §1.3).
  const failOnAction = !ctx.auth || req.authenticationAvailable === false;
  let consumedBefore = false;
  if (ctx.validateToken) {
    let granted: GrantedToken;
    try {
      granted = await ctx.call(() => retrieveGrantedToken(ctx.stripe, token, ctx.sptVersion));
    } catch (e) {
      return tokenLookupFailure(e, ctx.logger);
    }
    const problem = tokenProblem(granted, req.amount, req.currency, Math.floor(ctx.now() / 1000));
    // A consumed (or partly captured) token may have been consumed by THIS attempt (a lost response, a
    // retry): send the same create again, which Stripe answers from its idempotency cache. If the token was
    // used elsewhere, Stripe refuses it (400, no money moves) and the result is the same token_unusable.
    consumedBefore = problem === 'consumed' || granted.amountCaptured > 0;
    if (problem && !consumedBefore) return tokenUnusable(problem);
  }
  const metadata = acpMetadata(req, 'spt_charge', req.idempotencyKey);
  const description = ctx.describe(req.sessionId);
  try {
    const pi = await ctx.call(() =>
      createPaymentIntentWithSpt(
        ctx.stripe,
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          confirm: true,
          metadata,
          // Server-side confirm without return_url: never allow redirect-based methods.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          expand: EXPAND,
          ...(failOnAction ? { error_on_requires_action: true } : {}),
          ...(description ? { description } : {}),
        },
        token,
        ctx.sptParameter,
        { idempotencyKey: req.idempotencyKey, apiVersion: ctx.sptVersion },
      ),
    );
    return await settle(ctx, pi);
  } catch (e) {
    return chargeFailure(e, ctx.logger, { consumedBefore });
  }
}

/** Confirms the PaymentIntent that required 3DS with the agent's authentication result. */
async function continueAfterAuthentication(
  ctx: GatewayContext,
  req: ChargeRequest,
  paymentId: string,
): Promise<ChargeResult> {
  let pi: Stripe.PaymentIntent;
  try {
    pi = await ctx.call(() =>
      ctx.stripe.paymentIntents.retrieve(paymentId, { expand: EXPAND }, { apiVersion: ctx.sptVersion }),
    );
  } catch (e) {
    return chargeFailure(e, ctx.logger);
  }
  if (pi.status !== 'requires_action' && pi.status !== 'requires_confirmation') return settle(ctx, pi);
  const result = req.authenticationResult;
  const details = result?.outcome_details;
  if (pi.status === 'requires_action' && !details) return settle(ctx, pi);
  const ares =
    result?.outcome === 'attempt_acknowledged' ? 'A' : result?.outcome === 'informational' ? 'I' : 'Y';
  try {
    const confirmed = await ctx.call(() =>
      ctx.stripe.paymentIntents.confirm(
        paymentId,
        {
          expand: EXPAND,
          ...(details
            ? {
                payment_method_options: {
                  card: {
                    three_d_secure: {
                      ares_trans_status: ares,
                      cryptogram: details.three_ds_cryptogram,
                      electronic_commerce_indicator: details.electronic_commerce_indicator,
                      transaction_id: details.transaction_id,
                      version: details.version,
                    },
                  },
                },
              }
            : {}),
        },
        { idempotencyKey: req.idempotencyKey, apiVersion: ctx.sptVersion },
      ),
    );
    return await settle(ctx, confirmed);
  } catch (e) {
    return confirmFailure(e, paymentId, ctx.logger);
  }
}

/** A PaymentIntent's outcome; one waiting for 3DS that cannot be offered is canceled, then declined. */
export async function settle(ctx: GatewayContext, pi: Stripe.PaymentIntent): Promise<ChargeResult> {
  const result = fromPaymentIntent(pi, ctx.auth);
  if (pi.status === 'requires_action' && result.status === 'declined') {
    const canceled = await cancelPayment(ctx, pi.id);
    if (canceled.status === 'retryable_failure')
      ctx.logger?.warn('could not cancel a PaymentIntent needing unavailable 3DS', { paymentId: pi.id });
  }
  return result;
}

/** Best effort: cancel a PaymentIntent left in `requires_action` that nobody will authenticate. */
export async function cancelPayment(
  ctx: GatewayContext,
  paymentId: string,
  options: { idempotencyKey?: string } = {},
): Promise<{ status: 'canceled' | 'not_cancelable' | 'retryable_failure'; message?: string }> {
  if (!isPaymentIntentId(paymentId)) return { status: 'not_cancelable' };
  try {
    await ctx.call(() =>
      ctx.stripe.paymentIntents.cancel(
        paymentId,
        { cancellation_reason: 'abandoned' },
        options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined,
      ),
    );
    return { status: 'canceled' };
  } catch (e) {
    return cancelFailure(e);
  }
}
