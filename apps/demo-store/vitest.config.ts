import { acpProject } from '../../vitest.shared.js';

export default acpProject('demo-store', { testTimeout: 60_000, hookTimeout: 60_000 });
