// The one rule for "are we in CI?" and for tests that need an outside service. Every skip guard in the
// repository goes through here, so `CI=1`, `CI=yes` or `CI=True` can never turn a required suite into a
// silent skip (they did when guards compared against the literal 'true').

type Env = Readonly<Record<string, string | undefined>>;

/**
 * True when `CI` is set to anything but an explicit "off": any non-empty value except `false`, `0`, `no` and
 * `off` (case-insensitive, surrounding blanks ignored). GitHub Actions, GitLab, Buildkite and this project's
 * `.ci/run` set `CI=true`; others set `1`.
 */
export function isCI(env: Env = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  if (v === undefined || v === '') return false;
  return !['false', '0', 'no', 'off'].includes(v);
}

export class MissingTestServiceError extends Error {
  override readonly name = 'MissingTestServiceError';
}

/**
 * For a suite that needs `what` (PostgreSQL, chromium, the ACP spec…): returns true when it is available
 * (`problem === undefined`). When it is missing, throws in CI (a missing service is a failure there, never a
 * skip) and elsewhere prints a visible SKIPPING line with the reason and how to fix it, then returns false.
 *
 *   const pgUp = requireService('PostgreSQL at postgres://…', await probe(), 'start PostgreSQL or set …');
 *   describe.skipIf(!pgUp)('engine on PostgreSQL', () => { … });
 */
export function requireService(
  what: string,
  problem: string | undefined,
  hint: string,
  env: Env = process.env,
): boolean {
  if (problem === undefined) return true;
  if (isCI(env)) {
    throw new MissingTestServiceError(
      `${what} is unavailable in CI (CI=${env.CI}): ${problem}. This is a failure, not a skip. ${hint}`,
    );
  }
  console.warn(`\nSKIPPING tests that need ${what}: ${problem}\n${hint}\n`);
  return false;
}
