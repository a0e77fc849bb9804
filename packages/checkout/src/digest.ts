// Node's SHA-256 for core's idempotency digests (`createCheckoutService({ digest })`): the same digest as core's
// default (`@noble/hashes`, pure JavaScript, every runtime) at a tenth of the CPU for request-sized input.
import * as crypto from 'node:crypto';
import type { Sha256Hex } from '@acp/core';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'hex') => string;
/** `crypto.hash` (Node >= 20.12: one call, no Hash object), else `createHash`. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-256 (hex) of a string's UTF-8 bytes, natively (a lone surrogate encodes as U+FFFD, as in core's). */
export const nodeSha256Hex: Sha256Hex = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');
