#!/usr/bin/env node
// The packages as a user installs them, outside the workspace: every public package is packed (`pnpm pack`:
// `workspace:` ranges become versions, only `files` ship), the tarballs are installed with npm into a scratch
// project in the OS temp folder (npm `overrides` point every @acp/* dependency at its tarball; everything else
// comes from the npm registry), example 1 (examples/mcp-sdk1-stdio) is type-checked there against the installed
// packages' own types (no `@acp/source` condition, no workspace paths) and run, and an MCP client (SDK 1.x)
// buys through it over stdio with the emulator. Run after a build; fails loudly on any step.
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const log = (m) => process.stderr.write(`[pack-example] ${m}\n`);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const scratch = mkdtempSync(join(tmpdir(), 'acp-pack-example-'));
try {
  // 1. Pack every public package.
  const tarballs = {};
  for (const d of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', d);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    const out = run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', scratch], dir)
      .trim()
      .split('\n')
      .pop();
    tarballs[pkg.name] = `file:${out}`;
    const leak = execFileSync('tar', ['-xOzf', out, 'package/package.json'], { encoding: 'utf8' });
    if (leak.includes('workspace:'))
      throw new Error(`${pkg.name}: the packed package.json still has a workspace: range`);
  }
  log(`packed ${Object.keys(tarballs).length} packages`);

  // 2. A scratch project outside the workspace, installed from the tarballs and the registry.
  const example = JSON.parse(readFileSync(join(root, 'examples/mcp-sdk1-stdio/package.json'), 'utf8'));
  const deps = {};
  for (const [name, range] of Object.entries(example.dependencies)) deps[name] = tarballs[name] ?? range;
  const project = join(scratch, 'app');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'acp-pack-example',
        private: true,
        type: 'module',
        dependencies: { ...deps, typescript: '5.9.3', '@types/node': '^20.19.0' },
        overrides: tarballs,
      },
      null,
      2,
    ),
  );
  log('npm install (tarballs + registry)…');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);

  // 3. Example 1, type-checked against the installed packages and compiled there.
  mkdirSync(join(project, 'src'));
  copyFileSync(join(root, 'examples/mcp-sdk1-stdio/src/server.ts'), join(project, 'src/server.ts'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        outDir: 'dist',
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  log('tsc (the installed packages’ own types)…');
  run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);

  // 4. Run it and buy over stdio with the SDK 1.x client installed in the project.
  const buyer = join(project, 'buy.mjs');
  writeFileSync(
    buyer,
    `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const V = '2026-04-17';
const transport = new StdioClientTransport({ command: process.execPath, args: ['dist/server.js'], stderr: 'inherit' });
const client = new Client({ name: 'pack-example-agent', version: '1.0.0' });
await client.connect(transport);
const call = async (name, args) => {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(name + ' failed: ' + JSON.stringify(r.structuredContent ?? r.content));
  return r.structuredContent;
};
const tools = (await client.listTools()).tools.map((t) => t.name);
if (!tools.includes('store_hours') || !tools.includes('create_checkout_session')) throw new Error('tools: ' + tools);
const found = (await call('search_products', { query: 'handbook' })).products;
const created = await call('create_checkout_session', {
  meta: { api_version: V, idempotency_key: crypto.randomUUID() },
  payload: { currency: 'usd', line_items: [{ id: found[0].id }], capabilities: { interventions: { supported: [] } },
    buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' } },
});
const token = await call('collect_payment_info', { sessionId: created.id, paymentMethodId: 'pm_card_visa' });
const done = await call('complete_checkout_session', {
  meta: { api_version: V, idempotency_key: crypto.randomUUID() }, id: created.id,
  payload: { payment_data: token.payment_data },
});
await client.close();
if (done.status !== 'completed' || !done.order) throw new Error('not completed: ' + JSON.stringify(done));
console.log('completed ' + done.id + ' order ' + done.order.id);
`,
  );
  log('running example 1 and buying over stdio…');
  const out = await new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [buyer], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (c) => {
      text += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      code === 0 ? resolveRun(text) : reject(new Error(`the buyer exited with ${code}: ${text}`));
    });
  });
  log(out.trim());
  log('ok: the packed packages install, type-check and sell outside the workspace');
} finally {
  if (keep) log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
