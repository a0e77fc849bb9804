import { acpProject } from '../../vitest.shared.js';

// Server processes run the BUILT packages (dist/); the global setup builds this package's dist when stale.
export default acpProject('reliability', {
  globalSetup: ['./test/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
});
