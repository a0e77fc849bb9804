// The CI rule lives in one place and is enforced: no file reads `process.env.CI` itself, and the root
// summary reporter fails a CI run that skipped a test.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('one CI rule', () => {
  it('no source or test file outside @acp/test-env reads the CI variable itself', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs', '*.js'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f && !f.startsWith('test/env/'));
    const offenders = files.filter((f) => {
      let text: string;
      try {
        text = readFileSync(resolve(root, f), 'utf8');
      } catch {
        return false; // listed by git but deleted in the work tree
      }
      return /env\.CI\b|env\[['"]CI['"]\]/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});

describe('the summary reporter in CI', () => {
  const run = (ci: string) =>
    spawnSync(
      process.execPath,
      [
        resolve(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        resolve(root, 'test/env/fixtures/skip'),
        '--reporter',
        resolve(root, 'tooling/summary-reporter.ts'),
      ],
      { encoding: 'utf8', env: { ...process.env, CI: ci }, timeout: 60_000 },
    );

  it.each(['1', 'true'])('CI=%s: a skipped test fails the run and is named', (ci) => {
    const r = run(ci);
    expect(r.stdout).toContain('1 passed, 0 failed, 1 skipped');
    expect(r.stdout).toMatch(/In CI no test may be skipped[\s\S]*a skipped test/);
    expect(r.status).toBe(1);
  });

  it('outside CI the same run passes, the skip counted as a skip (never as a pass)', () => {
    const r = run('');
    expect(r.stdout).toContain('1 passed, 0 failed, 1 skipped');
    expect(r.status).toBe(0);
  });
});
