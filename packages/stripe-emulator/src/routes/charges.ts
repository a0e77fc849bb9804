// Charges: retrieve. Charges are made by confirming a PaymentIntent (../charges.ts).
import { missing } from '../errors.js';
import { renderCharge } from '../render.js';
import type { Route } from './router.js';

export const chargeRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: /^\/v1\/charges\/([^/]+)$/,
    handler: ({ match, state: st }) => {
      const c = st.charges.get(match[1]!);
      if (!c) throw missing('charge', match[1]!, 'charge');
      return { body: renderCharge(st, c) };
    },
  },
];
