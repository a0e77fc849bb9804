/// <reference types="node" />
// @acp/core/node: Node-only fast paths, kept out of the platform-neutral entries (the one module of core allowed
// to import `node:*`). Pass them to `createCheckoutService` when running on Node:
//
//   createCheckoutService({ ...deps, digest: nodeSha256Hex });
import { createHash } from 'node:crypto';
import type { Sha256Hex } from './ports.js';

/**
 * SHA-256 (hex) of a string's UTF-8 bytes through Node's native crypto: the same digest as core's default
 * (`@noble/hashes`, pure JavaScript, every runtime) at about a quarter of the CPU for request-sized input. A
 * lone surrogate encodes as U+FFFD in both.
 */
export const nodeSha256Hex: Sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
