// The Stripe test-mode suite against api.stripe.com. Opt-in, run by merchants and maintainers who have a
// Stripe account: `STRIPE_TEST_SECRET_KEY=sk_test_… pnpm test:stripe` (see packages/stripe/README.md).
// It refuses to start without a test key, and never accepts a live key.
import Stripe from 'stripe';
import { stripeTestModeSuite } from './suite.js';

const key = process.env.STRIPE_TEST_SECRET_KEY ?? '';
if (!/^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key)) {
  throw new Error(
    key === ''
      ? 'pnpm test:stripe needs STRIPE_TEST_SECRET_KEY=sk_test_… (a Stripe test-mode secret key).'
      : 'STRIPE_TEST_SECRET_KEY must be a Stripe TEST key (sk_test_… or rk_test_…); live keys are refused.',
  );
}

stripeTestModeSuite(async () => ({
  name: 'stripe',
  stripe: new Stripe(key, { maxNetworkRetries: 2 }),
  secretKey: key,
}));
