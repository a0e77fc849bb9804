import { createTestCheckout, MEMORY_TEST_TOKENS, SAMPLE_ADDRESS, type TestCheckout } from '@acp/core/testing';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import {
  type AcpMcpServerOptions,
  createAcpMcpServerFactory,
  type TestPaymentsProvider,
} from '../src/index.js';

export const API_VERSION = '2026-04-17';

export interface Harness {
  checkout: TestCheckout;
  client: Client;
  close(): Promise<void>;
}

/** A test-mode provider on the memory gateway: every pm_card_* becomes a token the memory PSP accepts. */
export function memoryTestPayments(rawCardsEnabled = false): TestPaymentsProvider & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    mode: 'test',
    rawCardsEnabled,
    calls,
    async createTestToken(input) {
      calls.push(input);
      if ('card' in input && input.card.number.endsWith('0002')) {
        throw new Error(`Your card 4000000000000002 was declined.`);
      }
      const declined = 'paymentMethodId' in input && input.paymentMethodId === 'pm_card_visa_chargeDeclined';
      return {
        shared_payment_token: declined ? MEMORY_TEST_TOKENS.declines : MEMORY_TEST_TOKENS.succeeds,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        max_amount: input.amount,
        currency: input.currency,
      };
    },
  };
}

export async function connect(
  options: Partial<AcpMcpServerOptions> = {},
  ctx?: McpRequestContext,
  checkout: TestCheckout = createTestCheckout(),
): Promise<Harness> {
  const factory = createAcpMcpServerFactory({
    service: checkout.service,
    catalog: checkout.catalog,
    ...options,
  });
  const server = factory(ctx);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    checkout,
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export function createArgs(
  key: string = crypto.randomUUID(),
  items: { id: string; quantity?: number }[] = [{ id: 'mug_classic' }],
) {
  return {
    meta: { api_version: API_VERSION, idempotency_key: key },
    payload: { currency: 'usd', line_items: items, capabilities: { interventions: { supported: [] } } },
  };
}

export const READY_UPDATE = {
  buyer: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  fulfillment_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: SAMPLE_ADDRESS },
};

export function paymentData(token: string = MEMORY_TEST_TOKENS.succeeds) {
  return { handler_id: 'card_tokenized', instrument: { type: 'card', credential: { type: 'spt', token } } };
}

/** The tools/list answer exactly as the server sends it (a client would parse and reorder it). */
export async function rawList(server: McpServer, method = 'tools/list'): Promise<string> {
  const [client, transport] = InMemoryTransport.createLinkedPair();
  const answers = new Map<unknown, (message: unknown) => void>();
  client.onmessage = (message) => {
    if ('id' in message) answers.get(message.id)?.(message);
  };
  const ask = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<unknown>((resolve) => {
      answers.set(id, resolve);
      void client.send({ jsonrpc: '2.0', id, method, params });
    });
  await server.connect(transport);
  await client.start();
  await ask(1, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'test', version: '1.0.0' },
  });
  await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const answer = JSON.stringify(await ask(2, method, {}));
  await server.close();
  return answer;
}
