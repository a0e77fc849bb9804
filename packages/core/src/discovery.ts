// The `/.well-known/acp.json` discovery document (rfc.discovery.md). It must not carry merchant or PSP
// identifiers, so it is built from public facts only.
import type { DiscoveryResponse } from './spec/2026-04-17/schemas.generated.js';
import { SUPPORTED_API_VERSIONS } from './versions.js';

export interface DiscoveryOptions {
  /** Base URL agents append `/checkout_sessions` to, e.g. `https://shop.example.com`. */
  apiBaseUrl: string;
  transports?: ('rest' | 'mcp')[];
  currencies?: string[];
  locales?: string[];
  interventionTypes?: ('3ds' | 'biometric' | 'address_verification')[];
  /** Advertise `orders` (order objects on complete plus order webhooks). Default true. */
  orders?: boolean;
  documentationUrl?: string;
}

export function buildDiscoveryDocument(options: DiscoveryOptions): DiscoveryResponse {
  // Discovery lists versions oldest → newest (last = latest), unlike Error.supported_versions (digest §9 A9).
  const versions = [...SUPPORTED_API_VERSIONS].reverse();
  const doc: DiscoveryResponse = {
    protocol: {
      name: 'acp',
      version: versions[versions.length - 1]!,
      supported_versions: versions,
      ...(options.documentationUrl ? { documentation_url: options.documentationUrl } : {}),
    },
    api_base_url: options.apiBaseUrl,
    transports: options.transports ?? ['rest'],
    capabilities: {
      services: options.orders === false ? ['checkout'] : ['checkout', 'orders'],
    },
  };
  if (options.currencies?.length)
    doc.capabilities.supported_currencies = options.currencies.map((c) => c.toLowerCase());
  if (options.locales?.length) doc.capabilities.supported_locales = options.locales;
  if (options.interventionTypes?.length) doc.capabilities.intervention_types = options.interventionTypes;
  return doc;
}
