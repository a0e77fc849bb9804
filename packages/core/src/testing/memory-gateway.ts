// In-memory reference PaymentGatewayV1. Tokens decide the outcome, charges are idempotent per key, and faults
// can be injected ("lost response": the charge is committed but the caller hears nothing).
import type { PaymentAttempt } from '../domain.js';
import type {
  ChargeRequest,
  ChargeResult,
  PaymentEvent,
  PaymentGatewayV1,
  PaymentLinkRequest,
  PaymentLinkResult,
  PaymentRefund,
  RefundRequest,
  RefundResult,
} from '../ports.js';

/** Test tokens: the outcome a charge with this token gets. Anything else succeeds. */
export const MEMORY_TEST_TOKENS = {
  succeeds: 'spt_test_visa',
  declines: 'spt_test_declined',
  insufficientFunds: 'spt_test_insufficient_funds',
  requiresAction: 'spt_test_3ds',
} as const;

export type InjectedFault = 'network_before' | 'lost_response' | 'server_error' | 'rate_limited' | 'throw';

export interface RecordedCharge {
  idempotencyKey: string;
  sessionId: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'declined' | 'requires_action';
}

export interface MemoryGateway extends PaymentGatewayV1 {
  /** Every distinct charge the PSP processed (one per idempotency key). */
  readonly charges: RecordedCharge[];
  /** Queue faults for the next calls to `charge`. */
  injectFaults(...faults: InjectedFault[]): void;
  /** Drop queued faults and the fault rate. */
  clearFaults(): void;
  /** Fault every call with this probability (0..1) using the given deterministic random source. */
  setFaultRate(rate: number, random: () => number, faults?: InjectedFault[]): void;
  /** Simulate the buyer paying an open link: returns the PSP event a webhook would carry. */
  payLink(linkId: string): PaymentEvent;
  expireLink(linkId: string): PaymentEvent;
  succeededChargesFor(sessionId: string): RecordedCharge[];
  /** Payment ids canceled through `cancelPayment`, in order. */
  readonly canceledPayments: string[];
  /**
   * How new refunds behave, like Stripe's test cards (stripe.md §2.5): `succeed` (default), `pending` (starts
   * pending, `settleRefunds` makes it succeed) or `fail_later` (starts succeeded, `settleRefunds` fails it).
   */
  setRefundBehaviour(behaviour: 'succeed' | 'pending' | 'fail_later'): void;
  /** Settles refunds left pending / due to fail; returns the `refund.updated` events a webhook would carry. */
  settleRefunds(): PaymentEvent[];
}

export function createMemoryGateway(): MemoryGateway {
  const byKey = new Map<string, { result: ChargeResult; record: RecordedCharge }>();
  const charges: RecordedCharge[] = [];
  const queued: InjectedFault[] = [];
  let rate = 0;
  let random: () => number = () => 1;
  let rateFaults: InjectedFault[] = ['network_before', 'lost_response', 'server_error', 'rate_limited'];
  const links = new Map<
    string,
    { request: PaymentLinkRequest; status: 'open' | 'paid' | 'expired'; paymentId?: string }
  >();
  const linkByKey = new Map<string, string>();
  const refunds = new Map<string, RefundResult>();
  const refunded = new Map<string, number>();
  /** Every refund made, by payment, with its current status (what `listRefunds` answers). */
  const refundsByPayment = new Map<string, PaymentRefund[]>();
  let refundBehaviour: 'succeed' | 'pending' | 'fail_later' = 'succeed';
  const unsettled: {
    paymentId: string;
    refundId: string;
    amount: number;
    currency: string;
    fail: boolean;
  }[] = [];
  const requiresActionPayments = new Map<string, { amount: number; currency: string; sessionId: string }>();
  const canceledPayments: string[] = [];
  let seq = 0;

  function nextFault(): InjectedFault | undefined {
    if (queued.length > 0) return queued.shift();
    if (rate > 0 && random() < rate)
      return rateFaults[Math.floor(random() * rateFaults.length) % rateFaults.length];
    return undefined;
  }

  function process(req: ChargeRequest): ChargeResult {
    const token = req.credential.token;
    const paymentId = req.continuePaymentId ?? `pi_mem_${++seq}`;
    let result: ChargeResult;
    if (req.continuePaymentId) {
      result = {
        status: 'succeeded',
        paymentId,
        amount: req.amount,
        currency: req.currency,
        card: { brand: 'visa', last4: '3220' },
      };
      requiresActionPayments.delete(req.continuePaymentId);
    } else if (token === MEMORY_TEST_TOKENS.declines) {
      result = {
        status: 'declined',
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'The card was declined.',
        paymentId,
      };
    } else if (token === MEMORY_TEST_TOKENS.insufficientFunds) {
      result = {
        status: 'declined',
        code: 'card_declined',
        declineCode: 'insufficient_funds',
        message: 'The card has insufficient funds.',
        paymentId,
      };
    } else if (token === MEMORY_TEST_TOKENS.requiresAction && req.authenticationAvailable === false) {
      // Like Stripe's error_on_requires_action: the payment fails instead of waiting for authentication.
      result = {
        status: 'declined',
        code: 'authentication_required',
        declineCode: 'authentication_required',
        message: 'The card issuer requires authentication for this payment.',
        paymentId,
      };
    } else if (token === MEMORY_TEST_TOKENS.requiresAction) {
      requiresActionPayments.set(paymentId, {
        amount: req.amount,
        currency: req.currency,
        sessionId: req.sessionId,
      });
      result = {
        status: 'requires_action',
        paymentId,
        authenticationMetadata: {
          acquirer_details: {
            acquirer_bin: '424242',
            acquirer_country: 'US',
            acquirer_merchant_id: 'mem_merchant',
            merchant_name: 'Memory Store',
          },
          directory_server: 'visa',
          flow_preference: { type: 'challenge', challenge: { type: 'preferred' } },
        },
      };
    } else {
      result = {
        status: 'succeeded',
        paymentId,
        amount: req.amount,
        currency: req.currency,
        card: { brand: 'visa', last4: '4242' },
      };
    }
    const record: RecordedCharge = {
      idempotencyKey: req.idempotencyKey,
      sessionId: req.sessionId,
      paymentId,
      amount: req.amount,
      currency: req.currency,
      status: result.status as RecordedCharge['status'],
    };
    charges.push(record);
    byKey.set(req.idempotencyKey, { result, record });
    return result;
  }
  const gateway: MemoryGateway = {
    version: 1,
    charges,
    canceledPayments,

    async cancelPayment(paymentId) {
      if (!requiresActionPayments.delete(paymentId)) return { status: 'not_cancelable' as const };
      canceledPayments.push(paymentId);
      return { status: 'canceled' as const };
    },

    async charge(req) {
      const fault = nextFault();
      if (fault === 'throw') throw new Error('simulated gateway crash');
      if (fault === 'network_before')
        return { status: 'retryable_failure', reason: 'network', message: 'Connection reset.' };
      if (fault === 'server_error')
        return { status: 'retryable_failure', reason: 'server_error', message: 'PSP returned 500.' };
      if (fault === 'rate_limited') {
        return {
          status: 'retryable_failure',
          reason: 'rate_limited',
          message: 'PSP rate limit.',
          retryAfterSeconds: 1,
        };
      }
      const existing = byKey.get(req.idempotencyKey);
      const result = existing ? existing.result : process(req);
      if (fault === 'lost_response')
        return { status: 'retryable_failure', reason: 'network', message: 'No response.' };
      return structuredClone(result);
    },

    async reconcile(attempt: PaymentAttempt) {
      const existing = byKey.get(attempt.idempotencyKey);
      // The in-memory record of every key is complete and immediately consistent: a miss is proof.
      return existing
        ? structuredClone(existing.result)
        : { status: 'not_found' as const, proof: 'list' as const };
    },

    async createPaymentLink(request): Promise<PaymentLinkResult> {
      const existing = linkByKey.get(request.idempotencyKey);
      if (existing) {
        const l = links.get(existing)!;
        return {
          status: 'created',
          linkId: existing,
          url: `https://pay.memory.test/${existing}`,
          expiresAt: l.request.expiresAt,
        };
      }
      const linkId = `link_mem_${++seq}`;
      links.set(linkId, { request, status: 'open' });
      linkByKey.set(request.idempotencyKey, linkId);
      return {
        status: 'created',
        linkId,
        url: `https://pay.memory.test/${linkId}`,
        expiresAt: request.expiresAt,
      };
    },

    async retrievePaymentLink(linkId) {
      const l = links.get(linkId);
      // An unknown link is not an expired one (it may exist where we cannot see it): unknown for now.
      if (!l) return { status: 'retryable_failure' as const, message: 'Unknown payment link.' };
      if (l.status === 'expired') return { status: 'expired' as const };
      if (l.status === 'paid') {
        return {
          status: 'paid' as const,
          paymentId: l.paymentId!,
          amount: l.request.amount,
          currency: l.request.currency,
        };
      }
      return { status: 'open' as const };
    },

    async expirePaymentLink(linkId) {
      const l = links.get(linkId);
      if (!l) return { status: 'expired' as const };
      if (l.status === 'paid') {
        return {
          status: 'completed' as const,
          paymentId: l.paymentId!,
          amount: l.request.amount,
          currency: l.request.currency,
        };
      }
      l.status = 'expired';
      return { status: 'expired' as const };
    },

    async refund(req: RefundRequest): Promise<RefundResult> {
      const existing = refunds.get(req.idempotencyKey);
      if (existing) return existing;
      const charge = charges.find((c) => c.paymentId === req.paymentId && c.status === 'succeeded');
      if (!charge) return { status: 'failed', message: 'No such payment.', retryable: false };
      const already = refunded.get(req.paymentId) ?? 0;
      const amount = req.amount ?? charge.amount - already;
      if (amount <= 0 || already + amount > charge.amount) {
        return { status: 'failed', message: 'The refund exceeds the amount charged.', retryable: false };
      }
      refunded.set(req.paymentId, already + amount);
      const r: RefundResult = {
        status: refundBehaviour === 'pending' ? 'pending' : 'succeeded',
        refundId: `re_mem_${++seq}`,
        amount,
        currency: req.currency,
      };
      if (refundBehaviour !== 'succeed') {
        unsettled.push({
          paymentId: req.paymentId,
          refundId: r.refundId,
          amount,
          currency: req.currency,
          fail: refundBehaviour === 'fail_later',
        });
      }
      refunds.set(req.idempotencyKey, r);
      const listed = refundsByPayment.get(req.paymentId) ?? [];
      listed.push({
        refundId: r.refundId,
        status: r.status,
        amount,
        currency: req.currency,
        ...(req.reason ? { reason: req.reason } : {}),
      });
      refundsByPayment.set(req.paymentId, listed);
      return structuredClone(r);
    },

    async listRefunds(paymentId: string): Promise<PaymentRefund[]> {
      return structuredClone(refundsByPayment.get(paymentId) ?? []);
    },

    injectFaults(...faults) {
      queued.push(...faults);
    },
    clearFaults() {
      queued.length = 0;
      rate = 0;
    },
    setFaultRate(r, rnd, faults) {
      rate = r;
      random = rnd;
      if (faults) rateFaults = faults;
    },

    payLink(linkId) {
      const l = links.get(linkId);
      if (!l) throw new Error(`unknown link ${linkId}`);
      if (l.status !== 'paid') {
        l.status = 'paid';
        l.paymentId = `pi_mem_${++seq}`;
        charges.push({
          idempotencyKey: `link:${linkId}`,
          sessionId: l.request.sessionId,
          paymentId: l.paymentId,
          amount: l.request.amount,
          currency: l.request.currency,
          status: 'succeeded',
        });
      }
      return {
        type: 'payment_link.succeeded',
        sessionId: l.request.sessionId,
        linkId,
        paymentId: l.paymentId!,
        amount: l.request.amount,
        currency: l.request.currency,
      };
    },
    expireLink(linkId) {
      const l = links.get(linkId);
      if (!l) throw new Error(`unknown link ${linkId}`);
      if (l.status === 'open') l.status = 'expired';
      return { type: 'payment_link.expired', sessionId: l.request.sessionId, linkId };
    },
    setRefundBehaviour(behaviour) {
      refundBehaviour = behaviour;
    },
    settleRefunds() {
      const events: PaymentEvent[] = [];
      for (const u of unsettled.splice(0)) {
        if (u.fail) refunded.set(u.paymentId, (refunded.get(u.paymentId) ?? 0) - u.amount);
        const listed = refundsByPayment.get(u.paymentId)?.find((x) => x.refundId === u.refundId);
        if (listed) listed.status = u.fail ? 'failed' : 'succeeded';
        events.push({
          type: 'refund.updated',
          paymentId: u.paymentId,
          refundId: u.refundId,
          amount: u.amount,
          currency: u.currency,
          status: u.fail ? 'failed' : 'succeeded',
        });
      }
      return events;
    },
    succeededChargesFor(sessionId) {
      return charges.filter((c) => c.sessionId === sessionId && c.status === 'succeeded');
    },
  };
  return gateway;
}
