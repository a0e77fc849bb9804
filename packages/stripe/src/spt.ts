// Shared Payment Tokens on stripe-node 23. SPT is a preview API and stripe-node 23 has no SPT types or
// resources (stripe.md §0), so EVERY cast the toolkit needs for it lives in this one module: the token
// parameter on PaymentIntent create, the granted-token endpoints (through `stripe.rawRequest`), and the
// parsing of their untyped responses. Each call sends the preview `Stripe-Version` it is given.
import { containsPan } from '@acp/core';
import type Stripe from 'stripe';

/** The preview version sent on SPT calls unless configured (the API reference's curl examples use it). */
export const DEFAULT_SPT_API_VERSION = '2026-04-22.preview';

/**
 * The shape of a Shared Payment Token id, as Stripe writes object ids: the `spt_` prefix, then letters and
 * digits only (no further `_`, so `spt_4242_4242_4242_4242` is not an id), at most 255 characters in all
 * (doc examples `spt_123`, `spt_1RgaZcFPC5QUO6ZCDVZuVA8q`; stripe.md §1).
 */
export const SPT_ID_PATTERN = /^spt_[A-Za-z0-9]{1,251}$/;

/** Whether `value` can be an SPT id: the SPT shape, and nothing that reads as a card number. */
export function isSptId(value: unknown): value is string {
  return typeof value === 'string' && SPT_ID_PATTERN.test(value) && !containsPan(value);
}

/** An SPT id as a URL path segment: refused (TypeError, value not echoed) unless SPT-shaped, then encoded. */
function sptPathSegment(tokenId: string): string {
  if (!isSptId(tokenId)) throw new TypeError('Not a Shared Payment Token id (spt_…).');
  return encodeURIComponent(tokenId);
}

/** Where the token goes on PaymentIntent create: current docs (`payment_method_data`) or older docs (top level). */
export type SptParameterLocation = 'payment_method_data' | 'top_level';

/** The seller's view of an SPT (`shared_payment.granted_token`), reduced to the fields the toolkit reads. */
export interface GrantedToken {
  id: string;
  livemode: boolean;
  deactivatedAt: number | null;
  deactivatedReason: string | null;
  usageLimits: { currency: string; maxAmount: number; expiresAt: number | null } | null;
  amountCaptured: number;
  card: { brand?: string; last4?: string } | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Parses a granted-token JSON object (API response or event payload). Throws on a foreign shape. */
export function parseGrantedToken(raw: unknown): GrantedToken {
  if (!isRecord(raw) || typeof raw.id !== 'string')
    throw new TypeError('Not a shared_payment.granted_token object.');
  const limits = isRecord(raw.usage_limits) ? raw.usage_limits : null;
  const usage =
    isRecord(raw.usage_details) && isRecord(raw.usage_details.amount_captured)
      ? raw.usage_details.amount_captured
      : null;
  const details = isRecord(raw.payment_method_details) ? raw.payment_method_details : null;
  const card = details && isRecord(details.card) ? details.card : null;
  return {
    id: raw.id,
    livemode: raw.livemode === true,
    deactivatedAt: num(raw.deactivated_at),
    deactivatedReason: text(raw.deactivated_reason),
    usageLimits: limits
      ? {
          currency: (text(limits.currency) ?? '').toLowerCase(),
          maxAmount: num(limits.max_amount) ?? 0,
          expiresAt: num(limits.expires_at),
        }
      : null,
    amountCaptured: (usage && num(usage.value)) ?? 0,
    card: card
      ? {
          ...(text(card.brand) ? { brand: text(card.brand)! } : {}),
          ...(text(card.last4) ? { last4: text(card.last4)! } : {}),
        }
      : null,
  };
}

/** `GET /v1/shared_payment/granted_tokens/:id` with the preview version. */
export async function retrieveGrantedToken(
  stripe: Stripe,
  tokenId: string,
  apiVersion: string,
): Promise<GrantedToken> {
  const raw: unknown = await stripe.rawRequest(
    'GET',
    `/v1/shared_payment/granted_tokens/${sptPathSegment(tokenId)}`,
    {},
    { apiVersion },
  );
  return parseGrantedToken(raw);
}

/** `POST /v1/test_helpers/shared_payment/granted_tokens` (test mode only). */
export async function createTestGrantedToken(
  stripe: Stripe,
  params: {
    paymentMethod: string;
    currency: string;
    maxAmount: number;
    expiresAt: number;
    sharedMetadata?: Record<string, string>;
  },
  apiVersion: string,
): Promise<GrantedToken> {
  const raw: unknown = await stripe.rawRequest(
    'POST',
    '/v1/test_helpers/shared_payment/granted_tokens',
    {
      payment_method: params.paymentMethod,
      usage_limits: { currency: params.currency, max_amount: params.maxAmount, expires_at: params.expiresAt },
      ...(params.sharedMetadata ? { shared_metadata: params.sharedMetadata } : {}),
    },
    { apiVersion },
  );
  return parseGrantedToken(raw);
}

/** `POST /v1/test_helpers/shared_payment/granted_tokens/:id/revoke` (test mode only). */
export async function revokeTestGrantedToken(
  stripe: Stripe,
  tokenId: string,
  apiVersion: string,
): Promise<GrantedToken> {
  const raw: unknown = await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/shared_payment/granted_tokens/${sptPathSegment(tokenId)}/revoke`,
    {},
    { apiVersion },
  );
  return parseGrantedToken(raw);
}

/**
 * Creates (and confirms, per `params.confirm`) a PaymentIntent paid with an SPT. stripe-node 23's
 * `PaymentMethodData` requires `type` and has no `shared_payment_granted_token`, and the top-level variant
 * does not exist at all: hence the casts.
 */
export function createPaymentIntentWithSpt(
  stripe: Stripe,
  params: Omit<Stripe.PaymentIntentCreateParams, 'payment_method_data' | 'payment_method'>,
  token: string,
  location: SptParameterLocation,
  options: { idempotencyKey: string; apiVersion: string },
): Promise<Stripe.Response<Stripe.PaymentIntent>> {
  const withToken =
    location === 'payment_method_data'
      ? { ...params, payment_method_data: { shared_payment_granted_token: token } }
      : { ...params, shared_payment_granted_token: token };
  return stripe.paymentIntents.create(withToken as unknown as Stripe.PaymentIntentCreateParams, options);
}

/** `shared_payment.*` event types are not in stripe-node's `Event.Type` union (stripe.md §1.6). */
export function eventTypeOf(event: Stripe.Event): string {
  return (event as unknown as { type: string }).type;
}
