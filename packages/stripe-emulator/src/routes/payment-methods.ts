// PaymentMethods: retrieve a `pm_card_*` test PaymentMethod, create one from raw card data (only with
// `allowRawCards`; otherwise Stripe's refusal). The number is never echoed.
import { invalid } from '../errors.js';
import { obj, str } from '../form.js';
import { renderPm } from '../render.js';
import { pmById, pmFromRawCard } from '../sources.js';
import { checkParams, type Route } from './router.js';

export const paymentMethodRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: /^\/v1\/payment_methods\/([^/]+)$/,
    handler: ({ match, state: st }) => ({ body: renderPm(pmById(st, match[1]!, 'payment_method')) }),
  },
  {
    method: 'POST',
    path: /^\/v1\/payment_methods$/,
    handler: ({ params: p, state: st }) => {
      checkParams(p, ['type', 'card', 'billing_details', 'metadata', 'expand']);
      if (str(p, 'type') !== 'card') throw invalid('The emulator creates card PaymentMethods only.', 'type');
      const card = obj(p, 'card');
      if (!st.config.allowRawCards || !str(card, 'number')) {
        const token = str(card, 'token');
        if (token)
          throw invalid(
            'The emulator does not support card[token]; use a pm_card_* test PaymentMethod.',
            'card[token]',
          );
      }
      return { body: renderPm(pmFromRawCard(st, card, 'card')) };
    },
  },
];
