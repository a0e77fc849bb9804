// `@acp/mcp-server/neutral`: the checkout tools without any MCP SDK, for other MCP frameworks and for
// `@acp/mcp-sdk1` (SDK 1.x). Importing this entry loads no MCP SDK code.
export {
  type BridgeableServer,
  type BridgeableTransport,
  bridgedErrorResult,
  type JsonRpcErrorBridge,
  jsonRpcErrorBridge,
} from './error-bridge.js';
export { acpServerInstructions } from './instructions.js';
export type { JsonSchema } from './json-schema.js';
export {
  type AcpCallContext,
  type AcpCallOutcome,
  type AcpCheckoutTools,
  type AcpToolDefinition,
  createAcpCheckoutTools,
  type JsonRpcErrorObject,
  LOCAL_CALLER,
} from './neutral.js';
export { type HostIdentity, type HostRegistrar, registerCheckoutTools } from './registration-kit.js';
export {
  ACP_MCP_ERROR_CODE,
  type AcpToolsOptions,
  type TestPaymentsProvider,
  type TestToken,
  type TestTokenInput,
  type ToolAnnotations,
  type ToolCallResult,
} from './tools/define.js';
