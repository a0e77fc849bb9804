// nodeSha256Hex (Node's SHA-256 for core's idempotency digests) gives exactly core's default digests: stored
// records stay valid whichever a deployment uses.
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSha256Hex } from '../src/index.js';

const noble = (s: string) => bytesToHex(sha256(new TextEncoder().encode(s)));

describe('nodeSha256Hex', () => {
  it('equals @noble/hashes (core’s default) and createHash, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(nodeSha256Hex(s)).toBe(noble(s));
        expect(nodeSha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
    for (const s of ['', '\ud800', 'a\udfffb', '😀', 'x'.repeat(10_000)])
      expect(nodeSha256Hex(s)).toBe(noble(s));
  });
});
