#!/usr/bin/env node
// Every public package as a user gets it: packed with `pnpm pack` (workspace: ranges replaced, only `files`),
// then checked by publint (exports map, files, fields) and Are The Types Wrong (types resolve for every
// entry under node16 ESM and bundler resolution; CommonJS `require` of an ESM-only package is reported by attw
// as a problem of its own, ignored here on purpose: these packages are ESM-only, `engines.node >= 20.19`,
// where `require(esm)` works). Run after a build. Pinned tool versions, fetched with npx.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PUBLINT = 'publint@0.3.25';
const ATTW = '@arethetypeswrong/cli@0.18.5';
const root = resolve(import.meta.dirname, '..');
const dirs = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => {
    try {
      return !JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

const out = mkdtempSync(join(tmpdir(), 'acp-pack-'));
const failures = [];
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
try {
  for (const [i, dir] of dirs.entries()) {
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    process.stderr.write(`[${i + 1}/${dirs.length}] ${name}\n`);
    const tarball = run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', out], dir)
      .trim()
      .split('\n')
      .pop();
    const packed = readFileSync(tarball);
    if (packed.length === 0) failures.push(`${name}: empty tarball`);
    for (const [tool, args] of [
      [PUBLINT, ['publint', '--strict', tarball]],
      [ATTW, ['attw', tarball, '--profile', 'esm-only', '--format', 'ascii']],
    ]) {
      try {
        run('npx', ['-y', '-p', tool, ...args], dir);
      } catch (e) {
        failures.push(`${name} (${tool}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failures.length) {
  process.stderr.write(`\n${failures.length} problem(s):\n\n${failures.join('\n\n')}\n`);
  process.exit(1);
}
process.stderr.write(`${dirs.length} packages: publint and attw clean\n`);
