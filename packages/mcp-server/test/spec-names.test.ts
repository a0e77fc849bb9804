// The generated table of ACP definition names (src/spec-names.generated.ts) is what the conversion gives now:
// stale after a change of core's spec schemas or of the JSON Schema conversion until the generator runs
// (`pnpm --filter @acp/mcp-server generate:spec-names` after a build).

import { spec } from '@acp/core';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { computeSpecNames, jsonHash, toJsonSchema } from '../src/json-schema.js';
import { SPEC_NAMES_BY_HASH } from '../src/spec-names.generated.js';

describe('spec-names.generated.ts', () => {
  it('equals the table computed from @acp/core spec schemas (regenerate when this fails)', () => {
    expect(SPEC_NAMES_BY_HASH).toEqual(computeSpecNames());
    expect(Object.keys(SPEC_NAMES_BY_HASH.input).length).toBeGreaterThan(20);
  });
  it('no two different definitions share a hash', () => {
    for (const io of ['input', 'output'] as const) {
      const texts = new Set(
        spec.SPEC_DEF_NAMES.flatMap((name) => {
          const schema = (spec as unknown as Record<string, z.ZodType>)[name];
          return schema ? [JSON.stringify(toJsonSchema(schema, io))] : [];
        }),
      );
      const hashes = new Set([...texts].map(jsonHash));
      expect(hashes.size).toBe(texts.size);
    }
    expect(jsonHash('{"type":"string"}')).not.toBe(jsonHash('{"type":"strinh"}'));
  });
});
