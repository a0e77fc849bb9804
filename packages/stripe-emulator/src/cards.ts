// Stripe's documented test PaymentMethods and card numbers (https://docs.stripe.com/testing), as pinned in
// ../shared/docs/stripe.md §2. Each entry says how a charge with it behaves in the emulator.

export type Brand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay';
export type Funding = 'credit' | 'debit' | 'prepaid';

export interface Decline {
  code: string;
  declineCode?: string;
  message: string;
}

export type Outcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; decline: Decline }
  /** Radar blocks the payment: a card error plus `charge.outcome.type = 'blocked'`. */
  | { kind: 'block' }
  /** 3D Secure is required; after authentication the charge gets `then`. */
  | { kind: 'authenticate'; then: Outcome };

export interface TestCard {
  paymentMethod?: string;
  number: string;
  brand: Brand;
  funding: Funding;
  outcome: Outcome;
  /** Refund behaviour (pm_card_pendingRefund, pm_card_refundFail). */
  refund?: 'pending_then_succeeded' | 'succeeded_then_failed';
}

// Stripe's card-error messages (the `message` field of a 402; safe to show to buyers per Stripe's docs).
export const DECLINES = {
  generic: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  insufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  lostCard: { code: 'card_declined', declineCode: 'lost_card', message: 'Your card was declined.' },
  stolenCard: { code: 'card_declined', declineCode: 'stolen_card', message: 'Your card was declined.' },
  expiredCard: { code: 'expired_card', message: 'Your card has expired.' },
  incorrectCvc: { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processingError: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  velocity: {
    code: 'card_declined',
    declineCode: 'card_velocity_exceeded',
    message:
      'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
  },
  incorrectNumber: { code: 'incorrect_number', message: 'Your card number is incorrect.' },
  fraudulent: { code: 'card_declined', declineCode: 'fraudulent', message: 'Your card was declined.' },
} as const satisfies Record<string, Decline>;

const ok: Outcome = { kind: 'succeed' };
const decline = (d: Decline): Outcome => ({ kind: 'decline', decline: d });
const auth = (then: Outcome = ok): Outcome => ({ kind: 'authenticate', then });

const card = (
  paymentMethod: string | undefined,
  number: string,
  brand: Brand,
  outcome: Outcome = ok,
  funding: Funding = 'credit',
  extra: Partial<TestCard> = {},
): TestCard => ({ ...(paymentMethod ? { paymentMethod } : {}), number, brand, funding, outcome, ...extra });

export const TEST_CARDS: readonly TestCard[] = [
  // §2.1 success brands
  card('pm_card_visa', '4242424242424242', 'visa'),
  card('pm_card_visa_debit', '4000056655665556', 'visa', ok, 'debit'),
  card('pm_card_mastercard', '5555555555554444', 'mastercard'),
  card('pm_card_mastercard_debit', '5200828282828210', 'mastercard', ok, 'debit'),
  card('pm_card_mastercard_prepaid', '5105105105105100', 'mastercard', ok, 'prepaid'),
  card('pm_card_amex', '378282246310005', 'amex'),
  card('pm_card_discover', '6011111111111117', 'discover'),
  card('pm_card_diners', '3056930009020004', 'diners'),
  card('pm_card_jcb', '3566002020360505', 'jcb'),
  card('pm_card_unionpay', '6200000000000005', 'unionpay'),
  // §2.2 declines
  card('pm_card_visa_chargeDeclined', '4000000000000002', 'visa', decline(DECLINES.generic)),
  card(
    'pm_card_visa_chargeDeclinedInsufficientFunds',
    '4000000000009995',
    'visa',
    decline(DECLINES.insufficientFunds),
  ),
  card('pm_card_visa_chargeDeclinedLostCard', '4000000000009987', 'visa', decline(DECLINES.lostCard)),
  card('pm_card_visa_chargeDeclinedStolenCard', '4000000000009979', 'visa', decline(DECLINES.stolenCard)),
  card('pm_card_chargeDeclinedExpiredCard', '4000000000000069', 'visa', decline(DECLINES.expiredCard)),
  card('pm_card_chargeDeclinedIncorrectCvc', '4000000000000127', 'visa', decline(DECLINES.incorrectCvc)),
  card(
    'pm_card_chargeDeclinedProcessingError',
    '4000000000000119',
    'visa',
    decline(DECLINES.processingError),
  ),
  card(
    'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
    '4000000000006975',
    'visa',
    decline(DECLINES.velocity),
  ),
  card('pm_card_chargeCustomerFail', '4000000000000341', 'visa', decline(DECLINES.generic)),
  // §2.3 Radar
  card('pm_card_radarBlock', '4100000000000019', 'visa', { kind: 'block' }),
  card('pm_card_riskLevelHighest', '4000000000004954', 'visa', { kind: 'block' }),
  card('pm_card_riskLevelElevated', '4000000000009235', 'visa'),
  card('pm_card_cvcCheckFail', '4000000000000101', 'visa'),
  card('pm_card_avsZipFail', '4000000000000036', 'visa'),
  card('pm_card_avsLine1Fail', '4000000000000028', 'visa'),
  card('pm_card_avsFail', '4000000000000010', 'visa'),
  card('pm_card_avsUnchecked', '4000000000000044', 'visa'),
  // §2.4 3D Secure
  card('pm_card_authenticationRequired', '4000002760003184', 'visa', auth()),
  card('pm_card_authenticationRequiredOnSetup', '4000002500003155', 'visa', auth()),
  card('pm_card_authenticationRequiredSetupForOffSession', '4000003800000446', 'visa', auth()),
  card(
    'pm_card_authenticationRequiredChargeDeclinedInsufficientFunds',
    '4000008260003178',
    'visa',
    auth(decline(DECLINES.insufficientFunds)),
  ),
  card('pm_card_threeDSecure2Required', '4000000000003220', 'visa', auth()),
  card(
    'pm_card_threeDSecureRequiredChargeDeclined',
    '4000008400001629',
    'visa',
    auth(decline(DECLINES.generic)),
  ),
  card('pm_card_threeDSecureRequiredProcessingError', '4000008400001280', 'visa', decline(DECLINES.generic)),
  card('pm_card_threeDSecureOptional', '4000000000003055', 'visa'),
  card('pm_card_threeDSecureOptionalProcessingError', '4000000000003097', 'visa'),
  card('pm_card_amex_threeDSecureNotSupported', '378282246310005', 'amex'),
  // §2.5 refunds, disputes (disputes are not emulated; the payment succeeds)
  card('pm_card_pendingRefund', '4000000000007726', 'visa', ok, 'credit', {
    refund: 'pending_then_succeeded',
  }),
  card('pm_card_refundFail', '4000000000005126', 'visa', ok, 'credit', {
    refund: 'succeeded_then_failed',
  }),
  card('pm_card_bypassPending', '4000000000000077', 'visa'),
  card('pm_card_bypassPendingInternational', '4000003720000278', 'visa'),
  card('pm_card_createDispute', '4000000000000259', 'visa'),
  // Card numbers without a PaymentMethod
  card(undefined, '4242424242424241', 'visa', decline(DECLINES.incorrectNumber)),
];

const byPm = new Map(TEST_CARDS.filter((c) => c.paymentMethod).map((c) => [c.paymentMethod!, c]));
const byNumber = new Map<string, TestCard>();
for (const c of TEST_CARDS) if (!byNumber.has(c.number)) byNumber.set(c.number, c);

export function testCardForPaymentMethod(id: string): TestCard | undefined {
  return byPm.get(id);
}

export function luhnValid(number: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let d = number.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return number.length >= 12 && sum % 10 === 0;
}

function brandFromNumber(n: string): Brand {
  if (/^3[47]/.test(n)) return 'amex';
  if (/^(5[1-5]|2[2-7])/.test(n)) return 'mastercard';
  if (/^6(011|5)/.test(n)) return 'discover';
  if (/^3(0|6|8)/.test(n)) return 'diners';
  if (/^35/.test(n)) return 'jcb';
  if (/^62/.test(n)) return 'unionpay';
  return 'visa';
}

/** The behaviour of a raw card number. Unknown Luhn-valid numbers succeed (as in Stripe test mode). */
export function testCardForNumber(number: string): TestCard {
  const known = byNumber.get(number);
  if (known) return known;
  if (!luhnValid(number))
    return card(undefined, number, brandFromNumber(number), decline(DECLINES.incorrectNumber));
  return card(undefined, number, brandFromNumber(number));
}
