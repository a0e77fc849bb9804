import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@acp/source'] },
  test: { name: 'spec-oracle', include: ['src/**/*.test.ts'] },
});
