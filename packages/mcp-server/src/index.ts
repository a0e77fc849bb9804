// @acp/mcp-server: the one MCP server factory for ACP checkout (binding tools, shopper tools, ChatGPT's
// complete_checkout), served by @acp/mcp-stdio and @acp/mcp-http.
export {
  type AcpMcpServerFactory,
  type AcpMcpServerOptions,
  acpProtocolError,
  createAcpMcpServerFactory,
  LOCAL_CALLER,
  requestSigningOf,
} from './factory.js';
export {
  BINDING_SHAPES,
  type BindingToolName,
  bindingInputSchema,
  checkoutSessionOutputSchema,
  type JsonSchema,
  META_JSON_SCHEMA,
  toJsonSchema,
} from './json-schema.js';
export { luhnValid, redact, redactText } from './redact.js';
export {
  canonicalSigningString,
  createMemoryReplayStore,
  mcpSigningBody,
  type ReplayStore,
  type RequestSigningOptions,
  type SignatureCheck,
  type SignatureFailure,
  type SignedRequest,
  signMcpToolCall,
  signRequest,
  verifyRequestSignature,
} from './signing.js';
export {
  ACP_MCP_ERROR_CODE,
  type TestPaymentsProvider,
  type TestToken,
  type TestTokenInput,
} from './tools/define.js';
