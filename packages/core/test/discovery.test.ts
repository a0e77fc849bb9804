import { specPresent, validateDef } from '@acp/spec-oracle';
import { describe, expect, it } from 'vitest';
import { buildDiscoveryDocument } from '../src/index.js';

describe.skipIf(!specPresent())('discovery document', () => {
  it('is a valid DiscoveryResponse with no merchant or PSP identifiers', () => {
    const doc = buildDiscoveryDocument({
      apiBaseUrl: 'https://shop.example.com',
      transports: ['rest', 'mcp'],
      currencies: ['USD'],
      interventionTypes: ['3ds'],
    });
    const v = validateDef('DiscoveryResponse', doc);
    expect(v.valid, v.text).toBe(true);
    expect(doc.protocol.supported_versions.at(-1)).toBe(doc.protocol.version);
    expect(doc.capabilities.supported_currencies).toEqual(['usd']);
    expect(JSON.stringify(doc)).not.toMatch(/acct_|stripe|merchant_id/);
  });
});
