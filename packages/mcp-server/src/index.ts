// @acp/mcp-server: the ACP checkout tools (binding tools, shopper tools, ChatGPT's complete_checkout) for MCP:
// the standalone server factory served by @acp/mcp-stdio and @acp/mcp-http, the registration on an existing
// SDK v2 McpServer, and the framework-neutral form (also at `@acp/mcp-server/neutral`, without the SDK).
export {
  type AcpMcpServerFactory,
  type AcpMcpServerOptions,
  acpProtocolError,
  createAcpMcpServerFactory,
  requestSigningOf,
} from './factory.js';
export { acpServerInstructions } from './instructions.js';
export {
  BINDING_SHAPES,
  type BindingToolName,
  bindingInputSchema,
  checkoutSessionOutputSchema,
  type JsonSchema,
  META_JSON_SCHEMA,
  toJsonSchema,
} from './json-schema.js';
export * from './neutral-entry.js';
export { luhnValid, redact, redactText } from './redact.js';
export {
  type AcpToolRegistration,
  type AcpToolRegistrationOptions,
  registerAcpCheckoutTools,
} from './register.js';
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
