/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} are .mcpb manifest substitutions, not template literals */
// The Claude Desktop bundle (.mcpb) manifest for the demo store's stdio entry.
export interface McpbManifest {
  manifest_version: string;
  name: string;
  display_name: string;
  version: string;
  description: string;
  long_description: string;
  author: { name: string };
  license: string;
  keywords: string[];
  server: {
    type: 'node';
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  user_config: Record<
    string,
    {
      type: 'string' | 'boolean' | 'directory';
      title: string;
      description: string;
      sensitive?: boolean;
      required: boolean;
      default?: string | boolean;
    }
  >;
  tools: { name: string; description: string }[];
  compatibility: { platforms: string[]; runtimes: { node: string } };
}

export function demoManifest(version: string, platform: string): McpbManifest {
  return {
    manifest_version: '0.3',
    name: 'acp-demo-store',
    display_name: 'ACP Demo Store',
    version,
    description: 'Shop and check out from a demo store through ACP (Agentic Commerce Protocol) tools.',
    long_description:
      'A demo merchant built with the ACP checkout toolkit: search products, create an ACP checkout session, and pay with Stripe test payment methods (pm_card_visa…) or a hosted Stripe Checkout link. Without a Stripe key, payments are simulated by a local Stripe emulator and no money moves. Card numbers are never needed.',
    author: { name: 'ACP checkout toolkit' },
    license: 'MIT',
    keywords: ['acp', 'checkout', 'stripe', 'commerce'],
    server: {
      type: 'node',
      entry_point: 'server/dist/bin/stdio.js',
      mcp_config: {
        command: 'node',
        args: ['${__dirname}/server/dist/bin/stdio.js'],
        env: {
          STRIPE_SECRET_KEY: '${user_config.stripe_secret_key}',
          STRIPE_WEBHOOK_SECRET: '${user_config.stripe_webhook_secret}',
          ACP_DATA_DIR: '${user_config.data_dir}',
          LOG_LEVEL: 'info',
        },
      },
    },
    user_config: {
      stripe_secret_key: {
        type: 'string',
        title: 'Stripe secret key',
        description:
          'A Stripe TEST key (sk_test_…). Leave empty to simulate payments with the built-in emulator. A live key disables the test-only payment tool.',
        sensitive: true,
        required: false,
      },
      stripe_webhook_secret: {
        type: 'string',
        title: 'Stripe webhook signing secret',
        description: 'whsec_… of the endpoint that receives Stripe events (needed with a Stripe key).',
        sensitive: true,
        required: false,
      },
      data_dir: {
        type: 'directory',
        title: 'Data directory',
        description:
          'Where orders are stored (SQLite). Share it with the HTTP server to see orders on its dashboard.',
        required: false,
        default: '${HOME}/.acp-demo-store',
      },
    },
    tools: [
      { name: 'search_products', description: 'Search the catalog.' },
      { name: 'get_product', description: 'One product with price and stock.' },
      { name: 'create_checkout_session', description: 'Start an ACP checkout.' },
      { name: 'update_checkout_session', description: 'Add buyer, address, shipping choice.' },
      { name: 'get_checkout_session', description: 'Read a checkout session.' },
      { name: 'complete_checkout_session', description: 'Pay with a Shared Payment Token.' },
      { name: 'cancel_checkout_session', description: 'Cancel a checkout.' },
      {
        name: 'collect_payment_info',
        description: 'TEST ONLY: turn a Stripe test payment method into a token.',
      },
      { name: 'create_payment_link', description: 'Hosted Stripe Checkout link.' },
      { name: 'get_order', description: 'Read an order.' },
      { name: 'complete_checkout', description: "ChatGPT payment sheet's completion tool." },
    ],
    // The bundle carries better-sqlite3 compiled for the machine that built it.
    compatibility: { platforms: [platform], runtimes: { node: '>=20.19.0' } },
  };
}
