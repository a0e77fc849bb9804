import { afterEach, describe, expect, it, vi } from 'vitest';
import { specAvailable, specPresent, validateDef } from './index.js';

describe('specPresent', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('fails (throws) when CI=true and the spec is missing', () => {
    vi.stubEnv('ACP_SPEC_DIR', '/nonexistent/acp-spec');
    vi.stubEnv('CI', 'true');
    expect(specAvailable()).toBe(false);
    expect(() => specPresent()).toThrow(/CI=true so this is a failure/);
  });

  it('skips with a visible message elsewhere', () => {
    vi.stubEnv('ACP_SPEC_DIR', '/nonexistent/acp-spec');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(specPresent()).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING spec-based tests'));
  });

  it.skipIf(!specAvailable())('validates against the real bundle', () => {
    expect(validateDef('Link', { type: 'terms_of_use', url: 'https://x.example' }).valid).toBe(true);
    expect(validateDef('Link', { type: 'terms_of_service', url: 'https://x.example' }).valid).toBe(false);
  });
});
