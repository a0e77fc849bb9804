// The account of the key and its balance: what start-up key checks and test-mode guards read.
import type { Route } from './router.js';

export const accountRoutes: readonly Route[] = [
  // The account of the key (https://docs.stripe.com/api/accounts/retrieve: `GET /v1/account` without an id).
  {
    method: 'GET',
    path: /^\/v1\/account$/,
    handler: ({ state }) => ({
      body: {
        id: state.config.accountId,
        object: 'account',
        type: 'standard',
        country: 'US',
        default_currency: 'usd',
        charges_enabled: true,
        payouts_enabled: true,
        details_submitted: true,
      },
    }),
  },
  // https://docs.stripe.com/api/balance/balance_object: `livemode` tells test from live accounts.
  {
    method: 'GET',
    path: /^\/v1\/balance$/,
    handler: ({ state }) => ({
      body: {
        object: 'balance',
        available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
        pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
        livemode: state.config.liveAccount,
      },
    }),
  },
];
