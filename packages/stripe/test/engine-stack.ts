// The stack the money tests share: the engine (core's test checkout) + this gateway + the real stripe-node
// client + the emulator over HTTP, with Stripe webhooks signed and delivered to the engine (unless
// `webhooks: false`, for the "webhook never comes" cases). Call `useEngineStack` at the top of a test file:
// it registers the cleanup of every stack the file opens.
import type { CheckoutSession, MerchantConfig, RequestContext } from '@acp/core';
import {
  type createManualClock,
  createSystemClock,
  createTestCheckout,
  type TestCheckout,
} from '@acp/core/testing';
import { afterEach, expect } from 'vitest';
import { createStripeWebhookHandler, type StripeGatewayOptions } from '../src/index.js';
import { requestContext, type Setup, setup, startWebhookServer } from './fixture.js';

/** An ACP complete body paying with one SPT (plus any other request fields). */
export const payWith = (token: string, extra: Record<string, unknown> = {}) => ({
  payment_data: {
    handler_id: 'card_tokenized',
    instrument: { type: 'card', credential: { type: 'spt', token } },
  },
  ...extra,
});

/** A digital-goods session ready for payment; `supported` are the agent's interventions (e.g. `['3ds']`). */
export async function readySessionOn(
  t: TestCheckout,
  context: RequestContext,
  supported: string[] = [],
): Promise<{ id: string; total: number }> {
  const r = await t.service.createSession(
    {
      line_items: [{ id: 'ebook_mcp' }],
      currency: 'usd',
      buyer: { email: 'ada@example.com' },
      capabilities: { interventions: { supported } },
    },
    context,
  );
  const session = r.body as CheckoutSession;
  expect(session.status).toBe('ready_for_payment');
  return { id: session.id, total: session.totals.find((x) => x.type === 'total')!.amount };
}

export interface EngineStackOptions {
  /** A manual clock drives the engine, the gateway and the emulator alike. */
  clock?: ReturnType<typeof createManualClock>;
  /** Emulated PaymentIntent search lag (the emulator's default applies when unset). */
  searchLagMs?: number;
  /** `false`: no webhook endpoint is registered (webhooks never arrive). Default true. */
  webhooks?: boolean;
  gateway?: Partial<StripeGatewayOptions>;
}

export function useEngineStack(caller: string) {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  let k = 0;
  const ctx = (key?: string): RequestContext => requestContext(caller, key ?? `${caller}_${++k}`);

  async function stack(options: EngineStackOptions = {}, config: Partial<MerchantConfig> = {}) {
    const clock = options.clock;
    const now = clock ? () => clock.now().getTime() : undefined;
    const s: Setup = await setup({
      emulator: {
        ...(now ? { now } : {}),
        ...(options.searchLagMs ? { searchLagMs: options.searchLagMs } : {}),
      },
      gateway: { ...(now ? { now } : {}), ...(options.gateway ?? {}) },
    });
    const t = createTestCheckout({ gateway: s.gateway, clock: clock ?? createSystemClock(), config });
    cleanups.push(() => s.emulator.close());
    if (options.webhooks !== false) {
      const secret = `whsec_${caller.replace(/[^A-Za-z0-9]/g, '')}`;
      const hook = await startWebhookServer(
        createStripeWebhookHandler({
          stripe: s.stripe,
          webhookSecret: secret,
          onEvent: (e) => t.service.handlePaymentEvent(e),
        }),
      );
      cleanups.push(() => hook.close());
      s.emulator.addWebhookEndpoint({ url: hook.url, secret });
    }
    return { s, t };
  }

  /** A digital-goods session ready for payment; `supported` are the agent's interventions (e.g. `['3ds']`). */
  const readySession = (t: TestCheckout, supported: string[] = []) => readySessionOn(t, ctx(), supported);

  /** Registers one more cleanup (e.g. a second emulator a test opens itself). */
  const onCleanup = (fn: () => Promise<void>) => {
    cleanups.push(fn);
  };

  return { ctx, stack, readySession, onCleanup };
}
