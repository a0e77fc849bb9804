import { acpProject } from '../../vitest.shared.js';

export default acpProject('security', { testTimeout: 60_000, hookTimeout: 30_000 });
