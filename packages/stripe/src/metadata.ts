// What the gateway writes in the metadata of PaymentIntents and Checkout Sessions, and how it (and the
// webhook handler) reads it back. Only API calls with the account's key can set metadata, so it is what
// tells our objects from those of other integrations on the same account.
import type Stripe from 'stripe';

/** Metadata keys the gateway writes on PaymentIntents and Checkout Sessions. */
export const METADATA_KEYS = {
  sessionId: 'acp_checkout_session_id',
  attemptId: 'acp_attempt_id',
  idempotencyKey: 'acp_idempotency_key',
  kind: 'acp_kind',
} as const;

/**
 * The metadata of one of our Stripe objects: the caller's, then ours (which win). An SPT charge also
 * carries its idempotency key, which `reconcile` looks the PaymentIntent up by. The key order is fixed: a
 * retry under the same idempotency key must send identical parameters.
 */
export function acpMetadata(
  req: { metadata: Record<string, string>; sessionId: string; attemptId: string },
  kind: 'spt_charge' | 'payment_link',
  idempotencyKey?: string,
): Record<string, string> {
  return {
    ...req.metadata,
    [METADATA_KEYS.sessionId]: req.sessionId,
    [METADATA_KEYS.attemptId]: req.attemptId,
    ...(idempotencyKey !== undefined ? { [METADATA_KEYS.idempotencyKey]: idempotencyKey } : {}),
    [METADATA_KEYS.kind]: kind,
  };
}

/**
 * The ACP checkout session of a Stripe Checkout Session, only when it is one of our payment links: it carries
 * the metadata our gateway writes (`acp_kind: payment_link` and `acp_checkout_session_id`). Never
 * `client_reference_id`: a buyer can choose it (Stripe Payment Links take `?client_reference_id=` from the
 * URL), and the webhook endpoint receives the Checkout Sessions of every integration on the account.
 */
export function linkSessionIdOf(obj: { metadata?: Stripe.Metadata | null }): string | undefined {
  const m = obj.metadata;
  if (m?.[METADATA_KEYS.kind] !== 'payment_link') return undefined;
  return m[METADATA_KEYS.sessionId] || undefined;
}

/** The ACP checkout session a PaymentIntent was taken for, if it is one of ours. */
export const paymentSessionIdOf = (pi: Stripe.PaymentIntent): string | undefined =>
  pi.metadata?.[METADATA_KEYS.sessionId] ?? undefined;

/** Whether a PaymentIntent was created under this idempotency key (its metadata says so). */
export const createdUnderKey = (pi: Stripe.PaymentIntent, idempotencyKey: string): boolean =>
  pi.metadata?.[METADATA_KEYS.idempotencyKey] === idempotencyKey;

/** The PaymentIntent Search query for the PaymentIntent created under this idempotency key. */
export function searchByKey(idempotencyKey: string): string {
  const key = idempotencyKey.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `metadata['${METADATA_KEYS.idempotencyKey}']:'${key}'`;
}
