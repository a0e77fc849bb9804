#!/usr/bin/env node
// Builds apps/demo-store/dist/acp-demo-store.mcpb: a Claude Desktop bundle of the stdio entry with its
// production dependencies (hoisted node_modules, native better-sqlite3 built for THIS platform and Node ABI).
//   node apps/demo-store/scripts/build-mcpb.mjs      (after `pnpm run build`)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(app, '../..');
const work = resolve(app, '.mcpb-build');
const out = resolve(app, 'dist/acp-demo-store.mcpb');
const step = (m) => process.stderr.write(`\n== ${m}\n`);
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

const { demoManifest } = await import(resolve(app, 'dist/mcpb.js'));
const version = JSON.parse(readFileSync(resolve(app, 'package.json'), 'utf8')).version;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
step('deploying @acp/demo-store with production dependencies (hoisted node_modules; builds better-sqlite3)');
run('npx', [
  '-y',
  'pnpm@10.34.9',
  '--filter',
  '@acp/demo-store',
  'deploy',
  '--prod',
  '--legacy',
  '--config.node-linker=hoisted',
  resolve(work, 'server'),
]);
for (const extra of ['src', 'test', 'test-results', 'scripts', '.mcpb-build'])
  rmSync(resolve(work, 'server', extra), { recursive: true, force: true });

step('writing manifest.json');
writeFileSync(
  resolve(work, 'manifest.json'),
  `${JSON.stringify(demoManifest(version, process.platform), null, 2)}\n`,
);
writeFileSync(
  resolve(work, '.mcpbignore'),
  [
    'server/node_modules/**/*.md',
    'server/node_modules/**/test/**',
    'server/node_modules/**/*.ts.map',
    'server/node_modules/**/*.d.ts',
  ].join('\n'),
);

step('validating and packing with @anthropic-ai/mcpb');
run('npx', ['-y', '@anthropic-ai/mcpb@2.1.2', 'validate', resolve(work, 'manifest.json')]);
mkdirSync(dirname(out), { recursive: true });
run('npx', ['-y', '@anthropic-ai/mcpb@2.1.2', 'pack', work, out]);
process.stderr.write(
  `\nwrote ${out}\nInstall: double-click it or drag it into Claude Desktop (Settings → Extensions).\n`,
);
