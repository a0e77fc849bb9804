// The committed zod schemas are exactly what the generator produces from the official bundle.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { specDir, specPresent } from '@acp/spec-oracle';
import { describe, expect, it } from 'vitest';

describe.skipIf(!specPresent())('generated wire schemas', () => {
  it('are up to date with ../shared/acp-spec (run `pnpm --filter @acp/core generate:spec` if not)', () => {
    const script = resolve(import.meta.dirname, '../scripts/generate-spec-schemas.mjs');
    const bundle = resolve(specDir(), 'spec/2026-04-17/json-schema/schema.agentic_checkout.json');
    const out = execFileSync(process.execPath, [script, '--check', bundle], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });
});
