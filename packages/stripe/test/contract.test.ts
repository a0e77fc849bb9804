import { paymentGatewayContract } from '@acp/core/testing';
import { afterAll } from 'vitest';
import { type Setup, setup } from './fixture.js';

let shared: Setup | undefined;
afterAll(async () => {
  await shared?.emulator.close();
});

paymentGatewayContract(
  'stripe (emulator)',
  async () => {
    shared ??= await setup();
    const s = shared;
    return {
      gateway: s.gateway,
      tokens: {
        succeeds: (amount, currency) => s.token('pm_card_visa', amount, currency),
        declines: (amount, currency) => s.token('pm_card_visa_chargeDeclined', amount, currency),
        requiresAction: (amount, currency) => s.token('pm_card_authenticationRequired', amount, currency),
      },
      succeededCharges: (sessionId) => s.succeededFor(sessionId).length,
    };
  },
  { threeDSecure: true, reconcile: true },
);
