// Shared Payment Tokens, seller side: the test helper that grants one (and revokes it) and retrieval
// (https://docs.stripe.com/api/shared-payment/granted-token; stripe.md §1.5). Usage limits are enforced when a
// PaymentIntent is confirmed with the token (sources.ts); a captured token is consumed (charges.ts).
import { invalid, missing, missingParam } from '../errors.js';
import { obj, str, strings } from '../form.js';
import { deactivateToken, noteExpiry, sweep } from '../lifecycle.js';
import { renderToken } from '../render.js';
import { pmById } from '../sources.js';
import type { EmulatorState, GrantedTokenRec } from '../state.js';
import { checkParams, currencyOf, int, type Route } from './router.js';

function tokenOr404(st: EmulatorState, tokenId: string): GrantedTokenRec {
  sweep(st);
  const t = st.tokens.get(tokenId);
  if (!t) throw missing('shared_payment_granted_token', tokenId);
  return t;
}

export const sharedPaymentTokenRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: /^\/v1\/test_helpers\/shared_payment\/granted_tokens$/,
    handler: ({ params: p, state: st }) => {
      checkParams(p, [
        'payment_method',
        'usage_limits',
        'customer',
        'shared_metadata',
        'seller_details',
        'expand',
      ]);
      const pmId = str(p, 'payment_method');
      if (!pmId) throw missingParam('payment_method');
      const limits = obj(p, 'usage_limits');
      if (!limits) throw missingParam('usage_limits');
      const currency = currencyOf(limits, 'currency', 'usage_limits[currency]');
      const maxAmount = int(limits, 'max_amount', true);
      if (maxAmount < 1)
        throw invalid('usage_limits[max_amount] must be positive.', 'usage_limits[max_amount]');
      const expiresAt = int(limits, 'expires_at', false);
      if (expiresAt !== undefined && expiresAt <= st.nowS()) {
        throw invalid('usage_limits[expires_at] must be in the future.', 'usage_limits[expires_at]');
      }
      const pm = pmById(st, pmId, 'payment_method');
      const t: GrantedTokenRec = {
        id: st.id('spt'),
        paymentMethodId: pm.id,
        currency,
        maxAmount,
        expiresAt: expiresAt ?? null,
        created: st.nowS(),
        captured: 0,
        deactivatedAt: null,
        deactivatedReason: null,
        sharedMetadata: strings(p, 'shared_metadata'),
      };
      st.tokens.set(t.id, t);
      noteExpiry(st, t.expiresAt);
      return { body: renderToken(st, t) };
    },
  },
  {
    method: 'POST',
    path: /^\/v1\/test_helpers\/shared_payment\/granted_tokens\/([^/]+)\/revoke$/,
    handler: ({ match, state: st }) => {
      const t = tokenOr404(st, match[1]!);
      if (!t.deactivatedAt) deactivateToken(st, t, 'revoked');
      return { body: renderToken(st, t) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/shared_payment\/granted_tokens\/([^/]+)$/,
    handler: ({ match, state: st }) => ({ body: renderToken(st, tokenOr404(st, match[1]!)) }),
  },
];
