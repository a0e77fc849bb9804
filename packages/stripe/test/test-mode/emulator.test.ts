// The Stripe test-mode suite against the project's emulator: proves the suite merchants run against real
// Stripe (`pnpm test:stripe`) works, on every CI run.
import { startStripeEmulator } from '@acp/stripe-emulator';
import Stripe from 'stripe';
import { stripeTestModeSuite } from './suite.js';

const KEY = 'sk_test_acp_test_mode_suite';

stripeTestModeSuite(async () => {
  // Search lags writes on Stripe (up to a minute), as here: nothing in the suite may depend on it.
  const emulator = await startStripeEmulator({ searchLagMs: 60_000 });
  return {
    name: 'emulator',
    stripe: new Stripe(KEY, { ...emulator.stripeConfig, maxNetworkRetries: 0 }),
    secretKey: KEY,
    close: () => emulator.close(),
  };
});
