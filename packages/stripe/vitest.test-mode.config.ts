// `pnpm test:stripe`: the Stripe test-mode suite against api.stripe.com (needs STRIPE_TEST_SECRET_KEY).
// Not part of the default run, which executes the same suite against the emulator.
import { fileURLToPath } from 'node:url';
import { mergeConfig, type ViteUserConfig } from 'vitest/config';
import { acpProject } from '../../vitest.shared.js';

const config: ViteUserConfig = mergeConfig(
  acpProject('stripe-test-mode', {
    include: ['test/test-mode/*.stripe.ts'],
    testTimeout: 120_000,
    fileParallelism: false,
  }),
  { root: fileURLToPath(new URL('.', import.meta.url)) },
);
export default config;
