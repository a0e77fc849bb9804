// Server processes run dist/server.js on the BUILT workspace packages. `pnpm test` builds everything first
// (turbo); when this project runs on its own, rebuild this package's dist if it is missing or older than
// src, insist that the packages it imports are built, and say so when one of them looks stale.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const root = join(pkg, '..', '..');
const DEPS = [
  'core',
  'mcp-http',
  'mcp-server',
  'store-postgres',
  'store-sqlite',
  'stripe',
  'stripe-emulator',
];

function newest(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    n = Math.max(n, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return n;
}

export default function setup(): void {
  for (const dep of DEPS) {
    const dir = join(root, 'packages', dep);
    if (!existsSync(join(dir, 'dist', 'index.js'))) {
      throw new Error(`@acp/${dep} is not built (${dir}/dist). Run \`pnpm build\` (or \`pnpm test\`) first.`);
    }
    if (newest(join(dir, 'src')) > newest(join(dir, 'dist'))) {
      console.warn(
        `[reliability] @acp/${dep}: dist/ is older than src/; server processes run the old build. Run \`pnpm build\`.`,
      );
    }
  }
  const dist = join(pkg, 'dist');
  if (!existsSync(join(dist, 'server.js')) || newest(join(pkg, 'src')) > newest(dist)) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: pkg,
        stdio: 'inherit',
      },
    );
  }
}
