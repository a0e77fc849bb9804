// Starts a server under test in its own Node process (see child.ts) and stops it.
// `ACP_BENCH_PROFILE=<dir>` runs every child with `--cpu-prof --cpu-prof-dir=<dir>` (profiles on stop).
import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, CpuMessage, ReadyMessage } from './child.js';

const CHILD = resolve(dirname(fileURLToPath(import.meta.url)), 'child.js');

export interface RunningChild {
  url: string;
  pid: number;
  /** The child's user + system CPU time so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

export async function startChild(config: ChildConfig, timeoutMs = 30_000): Promise<RunningChild> {
  const profile = process.env.ACP_BENCH_PROFILE;
  const child = fork(CHILD, [], {
    env: { ...process.env, ACP_BENCH_CHILD: JSON.stringify(config) },
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profile)}`] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${config.role} child did not start`)), timeoutMs);
    child.once('message', (m: ReadyMessage) => {
      clearTimeout(timer);
      ok(m.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${config.role} child exited with ${code}`));
    });
  });
  return {
    url,
    pid: child.pid ?? 0,
    cpuMicros() {
      return new Promise<number>((ok) => {
        const on = (m: CpuMessage | ReadyMessage) => {
          if (m.type !== 'cpu') return;
          child.off('message', on);
          ok(
            process.env.ACP_BENCH_CPU === 'user'
              ? m.usage.user
              : process.env.ACP_BENCH_CPU === 'system'
                ? m.usage.system
                : m.usage.user + m.usage.system,
          );
        };
        child.on('message', on);
        child.send({ type: 'cpu' });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Runs `fn` with a child started from `config`, always stopping it. */
export async function withChild<T>(config: ChildConfig, fn: (c: RunningChild) => Promise<T>): Promise<T> {
  const c = await startChild(config);
  try {
    return await fn(c);
  } finally {
    await c.stop();
  }
}
