import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCI, MissingTestServiceError, requireService } from '../src/index.js';

describe('isCI', () => {
  it.each(['true', '1', 'TRUE', 'True', 'yes', 'on', ' true ', 'github-actions', 'woodpecker'])(
    'CI=%j is CI',
    (v) => {
      expect(isCI({ CI: v })).toBe(true);
    },
  );
  it.each([undefined, '', '  ', 'false', 'FALSE', '0', 'no', 'off'])('CI=%j is not CI', (v) => {
    expect(isCI({ CI: v })).toBe(false);
  });
  it('reads process.env by default', () => {
    vi.stubEnv('CI', '1');
    expect(isCI()).toBe(true);
    vi.stubEnv('CI', '0');
    expect(isCI()).toBe(false);
    vi.unstubAllEnvs();
  });
});

describe('requireService', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  it('available: true, silently', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireService('PostgreSQL', undefined, 'start it', { CI: '1' })).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
  it('missing in CI (CI=1, not only CI=true): throws, naming the service and the reason', () => {
    for (const CI of ['1', 'true', 'yes']) {
      expect(() => requireService('PostgreSQL at x', 'ECONNREFUSED', 'start it', { CI })).toThrow(
        MissingTestServiceError,
      );
      expect(() => requireService('PostgreSQL at x', 'ECONNREFUSED', 'start it', { CI })).toThrow(
        /PostgreSQL at x is unavailable in CI.*ECONNREFUSED.*not a skip/,
      );
    }
  });
  it('missing outside CI: a visible SKIPPING line and false', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireService('chromium', 'not installed', 'apt-get install chromium', { CI: 'false' })).toBe(
      false,
    );
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/SKIPPING tests that need chromium: not installed/),
    );
  });
});
