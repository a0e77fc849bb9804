// Payment sources of a PaymentIntent: a test PaymentMethod (`pm_card_*`), raw card data (only when the
// account allows it) or a Shared Payment Token whose usage limits allow the charge.
import { testCardForNumber, testCardForPaymentMethod } from './cards.js';
import type { EmulatedError } from './errors.js';
import { ApiError, fromEmulated, invalid, missing, RAW_CARD_REFUSAL } from './errors.js';
import { type FormObject, obj, str } from './form.js';
import { sweep } from './lifecycle.js';
import type { EmulatorState, GrantedTokenRec, PaymentIntentRec, PaymentMethodRec } from './state.js';

/** A card without an expiry date expires in December, three years from now. */
const defaultExpiry = (st: EmulatorState) => ({ month: 12, year: new Date(st.nowMs()).getUTCFullYear() + 3 });

/** A test PaymentMethod, created on first use from Stripe's table (https://docs.stripe.com/testing). */
export function pmById(st: EmulatorState, pmId: string, param: string): PaymentMethodRec {
  const existing = st.paymentMethods.get(pmId);
  if (existing) return existing;
  const tc = testCardForPaymentMethod(pmId);
  if (!tc) throw missing('PaymentMethod', pmId, param);
  const expiry = defaultExpiry(st);
  const pm: PaymentMethodRec = {
    id: pmId,
    card: tc,
    expMonth: expiry.month,
    expYear: expiry.year,
    created: st.nowS(),
    sptId: null,
  };
  st.paymentMethods.set(pmId, pm);
  return pm;
}

/** A PaymentMethod from raw card data (test mode with raw card data enabled only). Never echoes the number. */
export function pmFromRawCard(
  st: EmulatorState,
  card: FormObject | undefined,
  paramPrefix: string,
): PaymentMethodRec {
  if (!st.config.allowRawCards) throw invalid(RAW_CARD_REFUSAL, `${paramPrefix}[number]`);
  const number = (str(card, 'number') ?? '').replace(/[\s-]/g, '');
  if (!number)
    throw invalid('Missing required param: card[number].', `${paramPrefix}[number]`, 'parameter_missing');
  const tc = testCardForNumber(number);
  const cardError = (code: string, message: string, param: string) =>
    new ApiError(402, { type: 'card_error', code, message, param }, true);
  if (tc.outcome.kind === 'decline' && tc.outcome.decline.code === 'incorrect_number') {
    throw cardError('incorrect_number', 'Your card number is incorrect.', `${paramPrefix}[number]`);
  }
  const expiry = defaultExpiry(st);
  const month = Number(str(card, 'exp_month') ?? String(expiry.month));
  const year = Number(str(card, 'exp_year') ?? String(expiry.year));
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw cardError(
      'invalid_expiry_month',
      "Your card's expiration month is invalid.",
      `${paramPrefix}[exp_month]`,
    );
  }
  const nowYear = new Date(st.nowMs()).getUTCFullYear();
  const fullYear = year < 100 ? 2000 + year : year;
  if (!Number.isInteger(fullYear) || fullYear < nowYear || fullYear > nowYear + 50) {
    throw cardError(
      'invalid_expiry_year',
      "Your card's expiration year is invalid.",
      `${paramPrefix}[exp_year]`,
    );
  }
  const cvc = str(card, 'cvc');
  if (cvc !== undefined && !/^\d{3,4}$/.test(cvc)) {
    throw cardError('invalid_cvc', "Your card's security code is invalid.", `${paramPrefix}[cvc]`);
  }
  const pm: PaymentMethodRec = {
    id: st.id('pm'),
    card: tc,
    expMonth: month,
    expYear: fullYear,
    created: st.nowS(),
    sptId: null,
  };
  st.paymentMethods.set(pm.id, pm);
  return pm;
}

/** Why a token cannot pay this amount in this currency (emulator reading: Stripe documents no such errors). */
function tokenViolation(
  st: EmulatorState,
  t: GrantedTokenRec | undefined,
  tokenId: string,
  amount: number,
  currency: string,
): EmulatedError | undefined {
  const { sptLimitError } = st.config;
  sweep(st);
  if (!t) return sptLimitError({ reason: 'not_found', tokenId });
  if (t.deactivatedAt) {
    return sptLimitError({
      reason: t.deactivatedReason === 'expired' ? 'expired' : 'deactivated',
      tokenId,
    });
  }
  if (t.currency !== currency) return sptLimitError({ reason: 'currency_mismatch', tokenId });
  if (amount > t.maxAmount - t.captured) return sptLimitError({ reason: 'amount_exceeds_max', tokenId });
  return undefined;
}

/** Attach the payment source named in create/confirm params. */
export function attachSource(st: EmulatorState, pi: PaymentIntentRec, p: FormObject): void {
  const data = obj(p, 'payment_method_data');
  const spt = str(data, 'shared_payment_granted_token') ?? str(p, 'shared_payment_granted_token');
  const pmId = str(p, 'payment_method');
  if (spt) {
    const t = st.tokens.get(spt);
    const violation = tokenViolation(st, t, spt, pi.amount, pi.currency);
    if (violation) {
      const param = str(data, 'shared_payment_granted_token')
        ? 'payment_method_data[shared_payment_granted_token]'
        : 'shared_payment_granted_token';
      throw fromEmulated(violation, param);
    }
    const source = st.paymentMethods.get(t!.paymentMethodId)!;
    // "Stripe sets payment_method to a new PaymentMethod cloned from the customer's original payment method."
    const clone: PaymentMethodRec = { ...source, id: st.id('pm'), created: st.nowS(), sptId: spt };
    st.paymentMethods.set(clone.id, clone);
    pi.paymentMethodId = clone.id;
    pi.sptId = spt;
    return;
  }
  if (pmId) {
    pi.paymentMethodId = pmById(st, pmId, 'payment_method').id;
    return;
  }
  if (data) {
    const type = str(data, 'type');
    if (type !== 'card')
      throw invalid('payment_method_data[type] must be card in the emulator.', 'payment_method_data[type]');
    pi.paymentMethodId = pmFromRawCard(st, obj(data, 'card'), 'payment_method_data[card]').id;
  }
}
