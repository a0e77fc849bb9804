// Every request example of the official 2026-04-17 examples parses with our request schemas, and every
// schema-valid response example parses with our response schemas (the generated zod agrees with the bundle).
import { checkoutExamples, specPresent, validateDef } from '@acp/spec-oracle';
import { describe, expect, it } from 'vitest';
import { spec } from '../src/index.js';

const requestSchemas = {
  create_checkout_session_request: spec.CheckoutSessionCreateRequest,
  create_checkout_session_request_with_first_touch_attribution: spec.CheckoutSessionCreateRequest,
  update_checkout_session_request: spec.CheckoutSessionUpdateRequest,
  complete_checkout_session_request: spec.CheckoutSessionCompleteRequest,
  complete_checkout_session_request_seller_backed: spec.CheckoutSessionCompleteRequest,
  complete_checkout_session_request_with_last_touch_attribution: spec.CheckoutSessionCompleteRequest,
  cancel_checkout_session_request: spec.CancelSessionRequest,
  cancel_checkout_session_request_timing_deferred: spec.CancelSessionRequest,
  complete_session_with_authentication_result_request: spec.CheckoutSessionCompleteRequest,
  complete_session_with_denied_authentication_request: spec.CheckoutSessionCompleteRequest,
} as const;

const responseSchemas = {
  create_checkout_session_response: [spec.CheckoutSession, 'CheckoutSession'],
  update_checkout_session_response: [spec.CheckoutSession, 'CheckoutSession'],
  complete_checkout_session_response: [spec.CheckoutSessionWithOrder, 'CheckoutSessionWithOrder'],
  get_checkout_session_response: [spec.CheckoutSession, 'CheckoutSession'],
  cancel_checkout_session_response: [spec.CheckoutSession, 'CheckoutSession'],
  checkout_session_authentication_required: [spec.CheckoutSession, 'CheckoutSession'],
  checkout_session_with_out_of_stock: [spec.CheckoutSession, 'CheckoutSession'],
  checkout_session_with_payment_declined: [spec.CheckoutSession, 'CheckoutSession'],
  error_400_requires_3ds: [spec.Error, 'Error'],
  error_400_invalid_item: [spec.Error, 'Error'],
  error_400_idempotency_key_required: [spec.Error, 'Error'],
  error_422_idempotency_conflict: [spec.Error, 'Error'],
  error_409_idempotency_in_flight: [spec.Error, 'Error'],
  discovery_response_full: [spec.DiscoveryResponse, 'DiscoveryResponse'],
  discovery_response_minimal: [spec.DiscoveryResponse, 'DiscoveryResponse'],
  authentication_result_example: [spec.AuthenticationResult, 'AuthenticationResult'],
  authentication_result_frictionless_example: [spec.AuthenticationResult, 'AuthenticationResult'],
} as const;

describe.skipIf(!specPresent())('official 2026-04-17 examples', () => {
  const examples = specPresent() ? checkoutExamples() : {};

  it('the examples file has the examples this test names', () => {
    for (const name of [...Object.keys(requestSchemas), ...Object.keys(responseSchemas)]) {
      expect(examples, name).toHaveProperty(name);
    }
  });

  for (const [name, schema] of Object.entries(requestSchemas)) {
    it(`request ${name} parses with our schema`, () => {
      const r = schema.safeParse(examples[name]);
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    });
  }

  for (const [name, [schema, def]] of Object.entries(responseSchemas)) {
    it(`${name}: our schema and the official JSON Schema agree (both accept)`, () => {
      expect(validateDef(def, examples[name]).valid).toBe(true);
      const r = schema.safeParse(examples[name]);
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    });
  }

  it('both reject the known-invalid authentication_result_denied_example', () => {
    const bad = examples.authentication_result_denied_example;
    expect(validateDef('AuthenticationResult', bad).valid).toBe(false);
    expect(spec.AuthenticationResult.safeParse(bad).success).toBe(false);
  });

  it('both reject an empty capabilities.extensions (oneOf ambiguity) and an unknown field', () => {
    const req = structuredClone(examples.create_checkout_session_request) as Record<string, unknown> & {
      capabilities: Record<string, unknown>;
    };
    req.capabilities.extensions = [];
    expect(validateDef('CheckoutSessionCreateRequest', req).valid).toBe(false);
    expect(spec.CheckoutSessionCreateRequest.safeParse(req).success).toBe(false);
    const extra = { ...(examples.create_checkout_session_request as object), surprise: true };
    expect(validateDef('CheckoutSessionCreateRequest', extra).valid).toBe(false);
    expect(spec.CheckoutSessionCreateRequest.safeParse(extra).success).toBe(false);
  });

  it('documented leniency: request items may carry a quantity (digest §9 A2); the bundle rejects it', () => {
    const req = { line_items: [{ id: 'item_123', quantity: 2 }], currency: 'usd', capabilities: {} };
    expect(validateDef('CheckoutSessionCreateRequest', req).valid).toBe(false);
    expect(spec.CheckoutSessionCreateRequest.safeParse(req).success).toBe(true);
    expect(
      spec.CheckoutSessionCreateRequest.safeParse({ ...req, line_items: [{ id: 'x', quantity: 0 }] }).success,
    ).toBe(false);
  });
});
