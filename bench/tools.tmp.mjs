import { writeFileSync } from 'node:fs';
import { createTestCheckout } from '@acp/core/memory';
import { createAcpNodeServer } from '@acp/mcp-http/node';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
const t = createTestCheckout();
const out = {};
for (const variant of ['plain', 'test']) {
  const node = createAcpNodeServer({ service: t.service, catalog: t.catalog, ...(variant === 'test' ? { testPayments: { mode: 'test', rawCardsEnabled: true, createTestToken: async () => ({}) } } : {}) });
  const url = await node.listen();
  for (const modern of [false, true]) {
    const client = new Client({ name: 'x', version: '1' }, modern ? { versionNegotiation: { mode: 'auto' } } : {});
    await client.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')));
    out[`${variant}-${modern}`] = await client.listTools();
    await client.close();
  }
  await node.close();
}
writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
console.log(Object.entries(out).map(([k, v]) => `${k}: ${v.tools.length} tools, ${JSON.stringify(v).length} B`).join('\n'));
