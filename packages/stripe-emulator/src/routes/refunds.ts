// Refunds (https://docs.stripe.com/refunds; stripe.md §3.4): full and partial refunds of a charge by
// `payment_intent` or `charge`, never more than what is left unrefunded; list and retrieve. Test cards
// settle later: pm_card_pendingRefund (pending → succeeded), pm_card_refundFail (succeeded → failed, the
// amount goes back to the charge), on `settleRefunds()`.
import { invalid, missing } from '../errors.js';
import { str, strings } from '../form.js';
import { renderCharge, renderList, renderRefund } from '../render.js';
import { type ChargeRec, type EmulatorState, type RefundRec, unrefunded } from '../state.js';
import { piOr404 } from './payment-intents.js';
import { checkParams, int, limitOf, type Route } from './router.js';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

/** The charge a refund request names: the successful charge of a PaymentIntent, or a charge by id. */
function chargeToRefund(st: EmulatorState, piId: string | undefined, chId: string | undefined): ChargeRec {
  if (piId) {
    const pi = piOr404(st, piId);
    const charge =
      pi.status === 'succeeded' && pi.latestChargeId ? st.charges.get(pi.latestChargeId) : undefined;
    if (!charge)
      throw invalid(
        `This PaymentIntent (${piId}) does not have a successful charge to refund.`,
        'payment_intent',
        undefined,
        true,
      );
    return charge;
  }
  if (chId) {
    const charge = st.charges.get(chId);
    if (!charge) throw missing('charge', chId, 'charge');
    return charge;
  }
  throw invalid(
    'One of the following params should be provided for this request: payment_intent or charge.',
    undefined,
    'parameter_missing',
  );
}

/** Settle asynchronous refunds (pm_card_pendingRefund → succeeded, pm_card_refundFail → failed). */
export function settleRefunds(st: EmulatorState): void {
  for (const r of st.refunds.values()) {
    if (!r.settle) continue;
    const charge = st.charges.get(r.chargeId)!;
    if (r.settle === 'succeed') {
      r.status = 'succeeded';
      st.emit('refund.updated', renderRefund(r));
    } else {
      r.status = 'failed';
      r.failureReason = 'declined';
      charge.amountRefunded -= r.amount;
      st.emit('refund.failed', renderRefund(r));
      st.emit('refund.updated', renderRefund(r));
    }
    delete r.settle;
  }
}

export const refundRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: /^\/v1\/refunds$/,
    handler: ({ params: p, state: st }) => {
      checkParams(p, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand']);
      const charge = chargeToRefund(st, str(p, 'payment_intent'), str(p, 'charge'));
      const reason = str(p, 'reason');
      if (reason && !REASONS.includes(reason)) {
        throw invalid(
          'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
          'reason',
        );
      }
      const remaining = unrefunded(charge);
      if (remaining <= 0)
        throw invalid(
          `Charge ${charge.id} has already been refunded.`,
          undefined,
          'charge_already_refunded',
          true,
        );
      const amount = int(p, 'amount', false) ?? remaining;
      if (amount < 1) throw invalid('Refund amount must be positive.', 'amount');
      if (amount > remaining) {
        throw invalid(
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
          'amount',
          'amount_too_large',
          true,
        );
      }
      const behaviour = st.paymentMethods.get(charge.paymentMethodId)?.card.refund;
      const r: RefundRec = {
        id: st.id('re'),
        chargeId: charge.id,
        paymentIntentId: charge.paymentIntentId,
        amount,
        currency: charge.currency,
        reason: reason ?? null,
        status: behaviour === 'pending_then_succeeded' ? 'pending' : 'succeeded',
        failureReason: null,
        metadata: strings(p, 'metadata'),
        created: st.nowS(),
        ...(behaviour === 'pending_then_succeeded' ? { settle: 'succeed' as const } : {}),
        ...(behaviour === 'succeeded_then_failed' ? { settle: 'fail' as const } : {}),
      };
      st.refunds.set(r.id, r);
      charge.amountRefunded += amount;
      st.emit('refund.created', renderRefund(r));
      st.emit('charge.refunded', renderCharge(st, charge));
      return { body: renderRefund(r) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/refunds$/,
    handler: ({ params: p, state: st }) => {
      const ch = str(p, 'charge');
      const pi = str(p, 'payment_intent');
      const found = [...st.refunds.values()]
        .filter((r) => (!ch || r.chargeId === ch) && (!pi || r.paymentIntentId === pi))
        .reverse();
      return { body: renderList('/v1/refunds', found, limitOf(p), renderRefund) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/refunds\/([^/]+)$/,
    handler: ({ match, state: st }) => {
      const r = st.refunds.get(match[1]!);
      if (!r) throw missing('refund', match[1]!);
      return { body: renderRefund(r) };
    },
  },
];
