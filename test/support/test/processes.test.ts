import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWorker, startWorker } from '../src/index.js';

const script = join(mkdtempSync(join(tmpdir(), 'acp-worker-')), 'worker.mjs');
writeFileSync(
  script,
  `const opts = JSON.parse(process.argv[2]);
   for (let i = 0; i < opts.n; i++) process.stdout.write(JSON.stringify({ i }) + '\\n');
   if (opts.hang) setInterval(() => {}, 1000);`,
);

describe('worker processes', () => {
  it('runWorker collects every JSON line until exit', async () => {
    expect(await runWorker(script, { n: 3 })).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });
  it('waitFor resolves on a matching line; the worker can be killed', async () => {
    const w = startWorker(script, { n: 2, hang: true });
    expect(await w.waitFor((l) => l.i === 1)).toEqual({ i: 1 });
    w.child.kill('SIGKILL');
    expect((await w.exited).signal).toBe('SIGKILL');
  });
});
