// The answers of the tools: a shopper tool reports failures as `isError` results; a binding tool throws the
// binding's JSON-RPC error.
import type { AcpWireError as WireError } from '@acp/core';
import { ACP_MCP_ERROR_CODE, ToolCallError, type ToolCallResult } from './define.js';

export function toolOk(value: Record<string, unknown>): ToolCallResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

export function toolError(error: WireError, hint?: string): ToolCallResult {
  return {
    content: [
      {
        type: 'text',
        text: `${hint ? `${hint} ` : ''}ACP error ${error.code}: ${error.message}\n${JSON.stringify(error)}`,
      },
    ],
    structuredContent: { error },
    isError: true,
  };
}

/** A JSON-RPC `-32000` error carrying the flat ACP `Error` in `data`. */
export function acpToolError(error: WireError): ToolCallError {
  return new ToolCallError(ACP_MCP_ERROR_CODE, error.message, error);
}
