// Request signatures of tool calls: binding tools carry them in `meta.signature`/`meta.timestamp`, the other
// tools in the request's `_meta["dev.acp/signature"]`/`_meta["dev.acp/timestamp"]`.
import { AcpError, type AcpErrorCode, toWireError, type AcpWireError as WireError } from '@acp/core';
import { mcpSigningBody, type RequestSigningOptions, verifyRequestSignature } from '../signing.js';
import { isObject } from './binding.js';

/** Verifies one tool call's signature. Returns the ACP error to answer, or undefined. */
export async function checkToolSignature(
  signing: RequestSigningOptions,
  name: string,
  args: unknown,
  requestMeta: Record<string, unknown> | undefined,
  isBinding: boolean,
): Promise<WireError | undefined> {
  const source = isBinding ? (isObject(args) && isObject(args.meta) ? args.meta : {}) : (requestMeta ?? {});
  const sigKey = isBinding ? 'signature' : 'dev.acp/signature';
  const tsKey = isBinding ? 'timestamp' : 'dev.acp/timestamp';
  const signature = typeof source[sigKey] === 'string' ? (source[sigKey] as string) : undefined;
  const timestamp = typeof source[tsKey] === 'string' ? (source[tsKey] as string) : undefined;
  const check = await verifyRequestSignature(signing, {
    signature,
    timestamp,
    method: 'MCP',
    path: name,
    body: mcpSigningBody(args),
  });
  if (check.ok) return undefined;
  const where = isBinding ? '$.meta' : '$._meta';
  const sigName = isBinding ? 'meta.signature' : '_meta["dev.acp/signature"]';
  const tsName = isBinding ? 'meta.timestamp' : '_meta["dev.acp/timestamp"]';
  const [code, message, param]: [AcpErrorCode, string, string] =
    check.reason === 'missing'
      ? ['invalid_signature', `${sigName} and ${tsName} are required.`, `${where}.signature`]
      : check.reason === 'stale_timestamp'
        ? [
            'invalid_signature',
            `${tsName} must be RFC 3339 and within the accepted clock skew.`,
            isBinding ? '$.meta.timestamp' : `${where}.timestamp`,
          ]
        : check.reason === 'replayed'
          ? [
              'invalid_signature',
              `This ${sigName} was already used; sign every call anew.`,
              `${where}.signature`,
            ]
          : check.reason === 'replay_store_unavailable'
            ? [
                'service_unavailable',
                'Request signatures cannot be checked for replay right now; retry.',
                `${where}.signature`,
              ]
            : ['invalid_signature', `${sigName} does not match this call.`, `${where}.signature`];
  return toWireError(new AcpError(code, message, { param }));
}
