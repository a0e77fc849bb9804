// @acp/stripe's test-payments provider is declared structurally (it does not import the MCP packages); this file
// keeps it equal to @acp/mcp-server's TestPaymentsProvider: `pnpm typecheck` fails when either side changes.
import type { TestPaymentsProvider, TestToken, TestTokenInput } from '@acp/mcp-server';
import type { AgentTestToken, AgentTestTokenInput, StripeTestPaymentsProvider } from '@acp/stripe';
import { describe, expect, it } from 'vitest';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const sameInput: Equal<TestTokenInput, AgentTestTokenInput> = true;
const sameToken: Equal<TestToken, AgentTestToken> = true;
const assignable = (p: StripeTestPaymentsProvider): TestPaymentsProvider => p;

describe('types', () => {
  it("@acp/stripe's provider is @acp/mcp-server's TestPaymentsProvider", () => {
    expect([sameInput, sameToken, typeof assignable]).toEqual([true, true, 'function']);
  });
});
