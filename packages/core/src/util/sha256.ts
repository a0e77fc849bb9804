// SHA-256 for idempotency fingerprints (request bodies, keys): synchronous, so it comes from a well-kept
// audited library (@noble/hashes, pure JS, no node:*) rather than WebCrypto's async `subtle.digest`.
// Not used for secrets.
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Hex SHA-256 of a string (as UTF-8; a lone surrogate encodes as U+FFFD, like TextEncoder) or of bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  const digest = sha256(typeof input === 'string' ? utf8ToBytes(input) : input);
  // Joined, not `bytesToHex`: on runtimes without Uint8Array#toHex that one appends char by char, and the
  // digest would be a 32-deep rope of string pieces wherever it is kept (idempotency records hold two).
  const hex = new Array<string>(digest.length);
  for (let i = 0; i < digest.length; i++) hex[i] = HEX[digest[i]!]!;
  return hex.join('');
}
