// Spawning worker processes (plain Node, no TS loader) and reading their JSON-lines output.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Worker {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves with the first line matching, rejects if the process exits first. */
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function startWorker(script: string, options: unknown): Worker {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
      if (!text.trim()) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.match(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    waitFor(match) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then(({ code, signal }) => {
          const late = lines.find(match);
          if (late) resolve(late);
          else
            reject(new Error(`worker exited (${code ?? signal}) before the expected line. stderr:\n${err}`));
        });
      });
    },
  };
}

/** Runs a worker to completion and returns its output lines; fails on a non-zero exit. */
export async function runWorker(script: string, options: unknown): Promise<Record<string, unknown>[]> {
  const w = startWorker(script, options);
  const { code, signal } = await w.exited;
  if (code !== 0) throw new Error(`worker failed (${code ?? signal}):\n${w.stderr()}`);
  return w.lines;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Worker processes import dist/. `pnpm test` builds everything first (turbo); when a test is run on its own,
 * rebuild this package if its dist is missing or older than src, and insist that core's dist exists.
 */
export function ensureBuilt(packageDir: string, coreDir: string): void {
  const dist = join(packageDir, 'dist');
  if (!existsSync(join(dist, 'index.js')) || newestMtime(join(packageDir, 'src')) > newestMtime(dist)) {
    execFileSync(process.execPath, [findTsc(packageDir), '-p', 'tsconfig.build.json'], {
      cwd: packageDir,
      stdio: 'inherit',
    });
  }
  if (!existsSync(join(coreDir, 'dist', 'index.js'))) {
    throw new Error(`@acp/core is not built (${coreDir}/dist). Run \`pnpm build\` (or \`pnpm test\`) first.`);
  }
  // The worker scripts run this package's built worker body.
  const self = join(dirname(fileURLToPath(import.meta.url)), '..');
  if (
    !existsSync(join(self, 'dist', 'index.js')) ||
    newestMtime(join(self, 'src')) > newestMtime(join(self, 'dist'))
  ) {
    execFileSync(process.execPath, [findTsc(self), '-p', 'tsconfig.build.json'], {
      cwd: self,
      stdio: 'inherit',
    });
  }
}

function findTsc(packageDir: string): string {
  for (let dir = packageDir; ; dir = join(dir, '..')) {
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    if (existsSync(tsc)) return tsc;
    if (dir === join(dir, '..')) throw new Error('typescript not found');
  }
}
