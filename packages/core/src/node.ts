/// <reference types="node" />
// @acp/core/node: Node-only fast paths, kept out of the platform-neutral entries (the one module of core allowed
// to import `node:*`). Pass them to `createCheckoutService` when running on Node:
//
//   createCheckoutService({ ...deps, digest: nodeSha256Hex });
import * as crypto from 'node:crypto';
import type { Sha256Hex } from './ports.js';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'hex') => string;
/** `crypto.hash` (Node >= 20.12: one call, no Hash object), else `createHash`. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/**
 * SHA-256 (hex) of a string's UTF-8 bytes through Node's native crypto: the same digest as core's default
 * (`@noble/hashes`, pure JavaScript, every runtime) at a tenth of the CPU for request-sized input. A lone
 * surrogate encodes as U+FFFD in both.
 */
export const nodeSha256Hex: Sha256Hex = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');
