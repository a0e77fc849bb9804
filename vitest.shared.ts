// Shared vitest settings: resolve workspace packages from their TypeScript sources (the `@acp/source`
// export condition), so tests never run against a stale dist/.
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const conditions = ['@acp/source', 'module', 'node', 'development|production'];

export function acpProject(name: string, test: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@acp/source'] } },
    // Generous per-test timeouts: these are correctness tests on 2-core CI machines, some spawning processes.
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
