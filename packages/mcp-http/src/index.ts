// @acp/mcp-http: ACP REST + Streamable HTTP MCP + discovery + webhook mount as a web-standard handler.
// The node:http adapter is the `@acp/mcp-http/node` subpath.
export {
  AcpHttpConfigError,
  type AcpHttpHandler,
  type AcpHttpOptions,
  type ApiKey,
  createAcpHttpHandler,
  type WebhookMount,
} from './handler.js';
