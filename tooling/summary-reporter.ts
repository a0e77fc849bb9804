// Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own report, so that any CI
// reading plain text sees the counts. Skipped tests are never counted as passed, and in CI (`isCI()` from
// @acp/test-env: any CI value but an explicit off) a skipped or todo test fails the run: every skip guard in
// the repository throws in CI instead of skipping, so a skip there means a guard was bypassed.

import type { Reporter, TestModule } from 'vitest/node';
import { isCI } from '../test/env/src/index.js';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    const skippedNames: string[] = [];
    let brokenFiles = 0;
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) brokenFiles++;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skippedNames.push(`${mod.moduleId}: ${test.fullName}`);
      }
    }
    failed += brokenFiles + unhandledErrors.length;
    const skipped = skippedNames.length;
    if (skipped > 0 && isCI()) {
      process.stdout.write(
        `\nIn CI no test may be skipped; these were:\n${skippedNames.map((n) => `  - ${n}`).join('\n')}\n`,
      );
      process.exitCode = 1;
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
