// Effects as data, each with the stable idempotency key the shell passes on (to the PSP, to an event sink
// that deduplicates), so a retried effect never acts twice. Built only through these constructors.
import type { DomainEvent, PaymentAttempt } from '../domain.js';
import type { PaymentLinkRequest } from '../ports.js';
import { assertNever } from '../status.js';

export type Effect =
  /** Call the gateway for a new attempt. */
  | { type: 'payment.charge'; idempotencyKey: string; attempt: PaymentAttempt }
  /** Re-run an attempt whose outcome is unknown, with the same PSP idempotency key (never a new charge). */
  | { type: 'payment.resume'; idempotencyKey: string; attempt: PaymentAttempt }
  | {
      type: 'payment_link.create';
      idempotencyKey: string;
      attempt: PaymentAttempt;
      request: PaymentLinkRequest;
    }
  | { type: 'payment_link.expire'; idempotencyKey: string; sessionId: string; linkId: string }
  /** Best effort, after the commit: cancel a PSP payment left waiting for 3DS that nobody will finish. */
  | { type: 'payment.cancel'; idempotencyKey: string; paymentId: string }
  | {
      type: 'inventory.commit';
      idempotencyKey: string;
      orderId: string;
      lines: { productId: string; quantity: number }[];
    }
  | { type: 'event.emit'; idempotencyKey: string; event: DomainEvent };

export const charge = (attempt: PaymentAttempt): Effect => ({
  type: 'payment.charge',
  idempotencyKey: attempt.idempotencyKey,
  attempt,
});
export const resumeCharge = (attempt: PaymentAttempt): Effect => ({
  type: 'payment.resume',
  idempotencyKey: attempt.idempotencyKey,
  attempt,
});
export const createLink = (attempt: PaymentAttempt, request: PaymentLinkRequest): Effect => ({
  type: 'payment_link.create',
  idempotencyKey: attempt.idempotencyKey,
  attempt,
  request,
});
export const expireLink = (sessionId: string, linkId: string): Effect => ({
  type: 'payment_link.expire',
  idempotencyKey: `acp_link_expire_${linkId}`,
  sessionId,
  linkId,
});
export const cancelPayment = (paymentId: string): Effect => ({
  type: 'payment.cancel',
  idempotencyKey: `acp_payment_cancel_${paymentId}`,
  paymentId,
});
export const commitInventory = (
  orderId: string,
  lines: { productId: string; quantity: number }[],
): Effect => ({ type: 'inventory.commit', idempotencyKey: `acp_inventory_${orderId}`, orderId, lines });
export const emit = (event: DomainEvent): Effect => ({
  type: 'event.emit',
  idempotencyKey: eventKey(event),
  event,
});

/** A domain event's de-duplication key: the same fact reported twice has the same key. */
export function eventKey(event: DomainEvent): string {
  switch (event.type) {
    case 'order_created':
    case 'payment_mismatch':
      return `${event.type}:${event.order.order.id}`;
    case 'order_updated':
      return `${event.type}:${event.order.order.id}:${event.reason}:${event.order.updatedAt}`;
    case 'payment_refunded_duplicate':
    case 'payment_refunded_unmatched':
    case 'unmatched_payment':
      return `${event.type}:${event.payment.paymentId}`;
    case 'payment_unconfirmed':
      return `${event.type}:${event.attemptId}`;
    default:
      return assertNever(event, 'event');
  }
}
