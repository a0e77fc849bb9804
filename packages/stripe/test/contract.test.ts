import { paymentGatewayContract } from '@acp/core/contracts';
import { afterAll } from 'vitest';
import { type Setup, setup } from './fixture.js';

let shared: Setup | undefined;
afterAll(async () => {
  await shared?.emulator.close();
});

paymentGatewayContract(
  'stripe (emulator)',
  async () => {
    // Search lags writes on Stripe (up to a minute): reconcile must not depend on it.
    shared ??= await setup({ emulator: { searchLagMs: 60_000 } });
    const s = shared;
    return {
      gateway: s.gateway,
      tokens: {
        succeeds: (amount, currency) => s.token('pm_card_visa', amount, currency),
        declines: (amount, currency) => s.token('pm_card_visa_chargeDeclined', amount, currency),
        requiresAction: (amount, currency) => s.token('pm_card_authenticationRequired', amount, currency),
      },
      succeededCharges: (sessionId) => s.succeededFor(sessionId).length,
      now: () => new Date(),
    };
  },
  { threeDSecure: true, reconcile: true },
);
