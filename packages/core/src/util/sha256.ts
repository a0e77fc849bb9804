// SHA-256 for idempotency fingerprints (request bodies, keys): synchronous, so it comes from a well-kept
// audited library (@noble/hashes, pure JS, no node:*) rather than WebCrypto's async `subtle.digest`.
// Not used for secrets.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Hex SHA-256 of a string (as UTF-8; a lone surrogate encodes as U+FFFD, like TextEncoder) or of bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  return bytesToHex(sha256(typeof input === 'string' ? utf8ToBytes(input) : input));
}
