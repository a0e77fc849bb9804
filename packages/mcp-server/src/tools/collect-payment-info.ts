import { AcpError, STATUS_RULES, toWireError } from '@acp/core';
import * as z from 'zod';
import {
  type AcpToolsOptions,
  defineTool,
  type TestPaymentsProvider,
  type TestToken,
  zodInput,
} from './define.js';
import { toolError, toolOk } from './results.js';

const TestCardNumber = z.string().regex(/^[0-9 ]{12,23}$/, 'must be 12 to 19 digits');

const SessionId = z.string().min(1).max(200).describe('The checkout session id to pay for.');
const PaymentMethodId = z
  .string()
  .regex(/^pm_[A-Za-z0-9_]+$/, 'must be a Stripe test PaymentMethod id such as pm_card_visa')
  .optional()
  .describe('A Stripe test PaymentMethod: pm_card_visa, pm_card_mastercard, pm_card_visa_chargeDeclined, …');

interface CollectPaymentInfoArgs {
  sessionId: string;
  paymentMethodId?: string;
  cardNumber?: string;
  expMonth?: number;
  expYear?: number;
  cvc?: string;
}

/** Without raw cards: a Stripe test PaymentMethod id only. */
export const CollectPaymentInfoInput = z.strictObject({
  sessionId: SessionId,
  paymentMethodId: PaymentMethodId.unwrap(),
});

/** With raw TEST cards enabled: a PaymentMethod id, or a whole test card. */
export const CollectPaymentInfoRawCardInput = z
  .strictObject({
    sessionId: SessionId,
    paymentMethodId: PaymentMethodId,
    cardNumber: TestCardNumber.optional().describe('TEST card number only, e.g. 4242424242424242.'),
    expMonth: z.number().int().min(1).max(12).optional(),
    expYear: z.number().int().min(2000).max(2100).optional(),
    cvc: z
      .string()
      .regex(/^[0-9]{3,4}$/, 'must be 3 or 4 digits')
      .optional(),
  })
  .refine(
    (v) =>
      (v.paymentMethodId !== undefined) !==
      (v.cardNumber !== undefined &&
        v.expMonth !== undefined &&
        v.expYear !== undefined &&
        v.cvc !== undefined),
    { message: 'Give either paymentMethodId, or all of cardNumber, expMonth, expYear and cvc.' },
  );

export const CollectPaymentInfoOutput = z.object({
  shared_payment_token: z.string(),
  expires_at: z.string(),
  max_amount: z.number().int(),
  currency: z.string(),
  handler_id: z.string().describe('Use as payment_data.handler_id in complete_checkout_session.'),
  payment_data: z
    .object({
      handler_id: z.string(),
      instrument: z.object({
        type: z.literal('card'),
        credential: z.object({ type: z.literal('spt'), token: z.string() }),
      }),
    })
    .describe('Ready to pass as payload.payment_data of complete_checkout_session.'),
});

/** The provider `collect_payment_info` uses: only one in test mode. */
function testPaymentsOf(options: AcpToolsOptions): TestPaymentsProvider | undefined {
  return options.testPayments?.mode === 'test' ? options.testPayments : undefined;
}

function rawCards(options: AcpToolsOptions): boolean {
  return testPaymentsOf(options)?.rawCardsEnabled === true;
}

/** Masks anything that looks like a card number or CVC in provider messages. */
function redactDigits(text: string): string {
  return text.replace(/\d[\d -]{2,}\d/g, '[redacted]');
}

export const collectPaymentInfo = defineTool({
  name: 'collect_payment_info',
  title: 'Collect test payment info (TEST MODE ONLY)',
  description: (options) =>
    `TEST MODE ONLY: turns a Stripe test payment method into a Shared Payment Token for a ready_for_payment session, for clients without a payment UI. Safer option: paymentMethodId with a Stripe test PaymentMethod (pm_card_visa, pm_card_mastercard, pm_card_visa_chargeDeclined, …): no card data passes through the chat.${rawCards(options) ? ' Raw TEST card numbers (cardNumber, expMonth, expYear, cvc) are accepted only because this server enables them in test mode; never enter a real card.' : ''} Returns payment_data ready for complete_checkout_session.`,
  input: zodInput(
    (options): z.ZodType<CollectPaymentInfoArgs> =>
      rawCards(options) ? CollectPaymentInfoRawCardInput : CollectPaymentInfoInput,
  ),
  output: CollectPaymentInfoOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  enabled: (options) => testPaymentsOf(options) !== undefined,
  // The raw TEST card (test mode, raw cards enabled) is sent to the test provider only.
  panAllowed: [['cardNumber']],
  async run(args, { service, options, caller }) {
    const testPayments = testPaymentsOf(options)!;
    const state = await service.loadSession(args.sessionId, { caller });
    if (!state) {
      return toolError(
        toWireError(
          new AcpError('session_not_found', `No checkout session with id "${args.sessionId}".`, {
            param: '$.sessionId',
          }),
        ),
      );
    }
    if (STATUS_RULES[state.status].complete !== 'allow') {
      return toolError(
        toWireError(
          new AcpError(
            'session_not_payable',
            `The session is ${state.status}; it must be ready_for_payment before collecting payment.`,
            { param: '$.sessionId' },
          ),
        ),
      );
    }
    const handler =
      service.config.paymentHandlers.find((h) => h.name === 'dev.acp.tokenized.card') ??
      service.config.paymentHandlers[0];
    if (!handler) {
      return toolError(
        toWireError(new AcpError('unsupported_payment_handler', 'This store has no payment handler.')),
      );
    }
    const base = { sessionId: state.id, amount: state.totals.total, currency: state.currency };
    let token: TestToken;
    try {
      token = await testPayments.createTestToken(
        args.paymentMethodId !== undefined
          ? { ...base, paymentMethodId: args.paymentMethodId }
          : {
              ...base,
              card: {
                number: (args.cardNumber ?? '').replace(/\s+/g, ''),
                expMonth: args.expMonth!,
                expYear: args.expYear!,
                cvc: args.cvc!,
              },
            },
      );
    } catch (e) {
      options.logger?.warn('test token creation failed', { tool: 'collect_payment_info' });
      const message = e instanceof Error ? redactDigits(e.message).slice(0, 300) : 'unknown error';
      return toolError(
        toWireError(
          new AcpError('payment_processing_error', `The test payment provider refused: ${message}`),
        ),
        'Try paymentMethodId "pm_card_visa".',
      );
    }
    return toolOk({
      shared_payment_token: token.shared_payment_token,
      expires_at: token.expires_at,
      max_amount: token.max_amount,
      currency: token.currency,
      handler_id: handler.id,
      payment_data: {
        handler_id: handler.id,
        instrument: { type: 'card', credential: { type: 'spt', token: token.shared_payment_token } },
      },
    });
  },
});
