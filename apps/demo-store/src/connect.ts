// What the server prints once it is ready: how to connect Claude Desktop, Cursor and ChatGPT.
import { fileURLToPath } from 'node:url';
import type { DemoConfig } from './config.js';

export function connectionHelp(config: DemoConfig, url: string): string {
  const stdioEntry = fileURLToPath(new URL('./bin/stdio.js', import.meta.url));
  const claude = {
    mcpServers: {
      'acp-demo-store': {
        command: process.execPath,
        args: [stdioEntry],
        env: {
          ACP_DATA_DIR: config.dataDir,
          ...(config.DATABASE_URL ? { DATABASE_URL: '<same DATABASE_URL>' } : {}),
          // The stdio entry shares this database: it must take payments the same way, or it would run the
          // emulator against live orders. Secrets are never printed: the placeholders refuse to start until
          // replaced with the same values.
          ...(config.payments !== 'emulator'
            ? {
                STRIPE_SECRET_KEY: '<same STRIPE_SECRET_KEY>',
                STRIPE_WEBHOOK_SECRET: '<same STRIPE_WEBHOOK_SECRET>',
                PUBLIC_URL: config.publicUrl,
              }
            : {}),
        },
      },
    },
  };
  const cursorServer = {
    url: `${url}/mcp`,
    ...(config.ACP_API_KEYS.length ? { headers: { Authorization: 'Bearer <one of ACP_API_KEYS>' } } : {}),
  };
  const cursorLink = `cursor://anysphere.cursor-deeplink/mcp/install?name=acp-demo-store&config=${Buffer.from(JSON.stringify(cursorServer)).toString('base64')}`;
  const lines = [
    '',
    `Payments: ${
      config.payments === 'emulator'
        ? 'SIMULATED by the local Stripe emulator (no STRIPE_SECRET_KEY). No money moves.'
        : config.payments === 'stripe-live'
          ? 'Stripe LIVE mode. Test-only tools are disabled.'
          : 'Stripe test mode.'
    }`,
    `Dashboard:  ${url}/${
      config.dashboard === 'disabled'
        ? '   (DISABLED: agent keys do not open it; set ACP_MERCHANT_KEY to enable it)'
        : config.dashboard === 'merchant_key'
          ? '   (sign in with ACP_MERCHANT_KEY as the password, any user name)'
          : ''
    }`,
    `ACP REST:   ${url}/checkout_sessions   (discovery: ${url}/.well-known/acp.json)`,
    `MCP:        ${url}/mcp`,
    '',
    'Claude Desktop: add this to claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\), then restart Claude:',
    JSON.stringify(claude, null, 2),
    ...(config.payments !== 'emulator'
      ? [
          `  Replace the <same …> placeholders with this server's values: the stdio entry uses the same database, so it must use the same Stripe ${config.payments === 'stripe-live' ? 'LIVE' : 'test'} account (it refuses to start with the placeholders).`,
        ]
      : []),
    '',
    'Cursor: add to ~/.cursor/mcp.json',
    JSON.stringify({ mcpServers: { 'acp-demo-store': cursorServer } }, null, 2),
    `  or open this install link: ${cursorLink}`,
    '',
    `ChatGPT (developer mode connector): expose this server through an HTTPS tunnel and use <tunnel-url>/mcp;`,
    '  start the store with PUBLIC_URL=<tunnel-url> and ACP_API_KEYS (required whenever PUBLIC_URL is not loopback).',
    ...(config.ACP_ALLOW_UNAUTHENTICATED && config.ACP_API_KEYS.length === 0
      ? [
          '',
          'WARNING: ACP_ALLOW_UNAUTHENTICATED=true: anyone who can reach PUBLIC_URL can use this store. Local work only.',
        ]
      : []),
    '',
    'Try: "Find me a mug and buy one, shipping to 1 Main St, Springfield IL 62701. My email is you@example.com. Pay with pm_card_visa."',
  ];
  return lines.join('\n');
}
