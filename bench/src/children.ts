// Starts a server under test in its own Node process (see child.ts) and stops it.
// `ACP_BENCH_PROFILE=<dir>` runs every child with `--cpu-prof --cpu-prof-dir=<dir>` (its whole life, written on
// stop), except children started with `{ profile: 'window' }`: those are profiled only between
// `profileStart()` and `profileStop(file)` (the flow suite's measured windows).
import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, CpuMessage, ProfileCommand, ProfiledMessage, ReadyMessage } from './child.js';

const CHILD = resolve(dirname(fileURLToPath(import.meta.url)), 'child.js');

export interface RunningChild {
  url: string;
  pid: number;
  /** The child's user + system CPU time so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Starts sampling the child's CPU (inspector profiler). */
  profileStart(intervalMicros?: number): Promise<void>;
  /** Stops sampling and has the child write its `.cpuprofile` to `file`. */
  profileStop(file: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ChildOptions {
  timeoutMs?: number;
  /** With ACP_BENCH_PROFILE: `life` (default) = `--cpu-prof` from start to stop; `window` = on request only. */
  profile?: 'life' | 'window';
}

export async function startChild(config: ChildConfig, options: ChildOptions = {}): Promise<RunningChild> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const profile = options.profile === 'window' ? undefined : process.env.ACP_BENCH_PROFILE;
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
  const command = (c: ProfileCommand) =>
    new Promise<void>((ok) => {
      const on = (m: ProfiledMessage | CpuMessage | ReadyMessage) => {
        if (m.type !== 'profiled') return;
        child.off('message', on);
        ok();
      };
      child.on('message', on);
      child.send(c);
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
    profileStart(intervalMicros?: number) {
      return command({ type: 'profile-start', ...(intervalMicros ? { intervalMicros } : {}) });
    },
    profileStop(file: string) {
      return command({ type: 'profile-stop', file });
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
export async function withChild<T>(
  config: ChildConfig,
  fn: (c: RunningChild) => Promise<T>,
  options: ChildOptions = {},
): Promise<T> {
  const c = await startChild(config, options);
  try {
    return await fn(c);
  } finally {
    await c.stop();
  }
}
