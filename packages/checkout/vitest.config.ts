import { acpProject } from '../../vitest.shared.js';

export default acpProject('checkout');
