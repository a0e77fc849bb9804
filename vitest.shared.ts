// Shared vitest settings: resolve workspace packages from their TypeScript sources (the `@acp/source`
// export condition), so tests never run against a stale dist/.
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const conditions = ['@acp/source', 'module', 'node', 'development|production'];

export function acpProject(name: string, test: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@acp/source'] } },
    test: { name, include: ['src/**/*.test.ts', 'test/**/*.test.ts'], ...test },
  });
}
