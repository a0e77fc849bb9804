import { afterEach, describe, expect, it, vi } from 'vitest';
import { specAvailable, specPresent, validateDef } from './index.js';

describe('specPresent', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.each(['true', '1', 'yes'])('fails (throws) when CI=%s and the spec is missing', (ci) => {
    vi.stubEnv('ACP_SPEC_DIR', '/nonexistent/acp-spec');
    vi.stubEnv('CI', ci);
    expect(specAvailable()).toBe(false);
    expect(() => specPresent()).toThrow(/ACP spec .* unavailable in CI.*not a skip/);
  });

  it('skips with a visible message elsewhere', () => {
    vi.stubEnv('ACP_SPEC_DIR', '/nonexistent/acp-spec');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(specPresent()).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING tests that need the ACP spec'));
  });

  it.skipIf(!specAvailable())('validates against the real bundle', () => {
    expect(validateDef('Link', { type: 'terms_of_use', url: 'https://x.example' }).valid).toBe(true);
    expect(validateDef('Link', { type: 'terms_of_service', url: 'https://x.example' }).valid).toBe(false);
  });
});
