// PaymentIntents: create (and confirm), search, list, retrieve, confirm, cancel
// (https://docs.stripe.com/api/payment_intents). `capture_method=automatic` only.
import { confirm, newPaymentIntent } from '../charges.js';
import { invalid, missing, missingParam } from '../errors.js';
import { bool, obj, str, strings } from '../form.js';
import { renderList, renderPi } from '../render.js';
import { attachSource } from '../sources.js';
import type { EmulatorState, PaymentIntentRec } from '../state.js';
import { checkParams, currencyOf, expandOf, int, limitOf, listExpandOf, type Route } from './router.js';

const PI_CREATE_PARAMS = [
  'amount',
  'currency',
  'confirm',
  'payment_method',
  'payment_method_data',
  'shared_payment_granted_token',
  'metadata',
  'description',
  'receipt_email',
  'automatic_payment_methods',
  'error_on_requires_action',
  'return_url',
  'expand',
  'capture_method',
  'payment_method_options',
  'payment_method_types',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'off_session',
  'setup_future_usage',
  'customer',
  'confirmation_method',
];

const PI_CONFIRM_PARAMS = [
  'payment_method',
  'payment_method_data',
  'shared_payment_granted_token',
  'return_url',
  'expand',
  'error_on_requires_action',
  'payment_method_options',
  'receipt_email',
  'off_session',
  'setup_future_usage',
  'payment_method_types',
];

/** Minimum charge amounts per currency (smallest unit); other currencies have none here. */
const MIN_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50 };

export function piOr404(st: EmulatorState, piId: string): PaymentIntentRec {
  const pi = st.intents.get(piId);
  if (!pi) throw missing('payment_intent', piId, 'intent');
  return pi;
}

/** Newest first. */
const newestFirst = (st: EmulatorState) => [...st.intents.values()].reverse();

export const paymentIntentRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: /^\/v1\/payment_intents$/,
    handler: ({ params: p, state: st }) => {
      checkParams(p, PI_CREATE_PARAMS);
      const amount = int(p, 'amount', true);
      const currency = currencyOf(p, 'currency');
      if (!/^[a-z]{3}$/.test(currency))
        throw invalid(`Invalid currency: ${currency.slice(0, 8)}.`, 'currency');
      if (amount < 1)
        throw invalid(
          'This value must be greater than or equal to 1.',
          'amount',
          'parameter_invalid_integer',
        );
      const min = MIN_AMOUNT[currency];
      if (min !== undefined && amount < min) {
        throw invalid(`Amount must be at least ${min} ${currency}`, 'amount', 'amount_too_small');
      }
      const capture = str(p, 'capture_method');
      if (capture && capture !== 'automatic' && capture !== 'automatic_async') {
        throw invalid('The emulator supports capture_method=automatic only.', 'capture_method');
      }
      if (str(p, 'confirmation_method') === 'manual') {
        throw invalid('The emulator supports confirmation_method=automatic only.', 'confirmation_method');
      }
      const apm = obj(p, 'automatic_payment_methods');
      const pi = newPaymentIntent(st, {
        amount,
        currency,
        metadata: strings(p, 'metadata'),
        description: str(p, 'description') ?? null,
        receiptEmail: str(p, 'receipt_email') ?? null,
        returnUrl: str(p, 'return_url') ?? null,
        errorOnRequiresAction: bool(p, 'error_on_requires_action') ?? false,
        automaticPaymentMethods: apm
          ? {
              enabled: str(apm, 'enabled') === 'true',
              allow_redirects: str(apm, 'allow_redirects') ?? 'always',
            }
          : null,
      });
      const expand = expandOf(p);
      if (bool(p, 'confirm')) return { body: confirm(st, pi, p, expand) };
      attachSource(st, pi, p);
      if (pi.paymentMethodId) pi.status = 'requires_confirmation';
      return { body: renderPi(st, pi, expand) };
    },
  },
  // Search lags writes: a PaymentIntent is found `searchLagMs` after its creation. "Under normal operating
  // conditions, data is searchable in less than a minute. Propagation of new or updated data can be more
  // delayed during an outage" (https://docs.stripe.com/search#data-freshness).
  {
    method: 'GET',
    path: /^\/v1\/payment_intents\/search$/,
    handler: ({ params: p, state: st }) => {
      const query = str(p, 'query');
      if (!query) throw missingParam('query');
      const clauses = query.split(/\s+AND\s+/i).map((c) => c.trim());
      const tests: ((pi: PaymentIntentRec) => boolean)[] = [];
      for (const clause of clauses) {
        const meta = /^metadata\[['"]([^'"]+)['"]\]\s*:\s*['"]([^'"]*)['"]$/.exec(clause);
        const field = /^(status|currency|amount)\s*:\s*['"]?([^'"]*)['"]?$/.exec(clause);
        if (meta) tests.push((pi) => pi.metadata[meta[1]!] === meta[2]);
        else if (field) {
          const [, name, value] = field;
          tests.push(
            (pi) =>
              String(name === 'status' ? pi.status : name === 'currency' ? pi.currency : pi.amount) === value,
          );
        } else {
          throw invalid(`The emulator cannot parse the search clause: ${clause.slice(0, 80)}`, 'query');
        }
      }
      const limit = limitOf(p);
      const expand = listExpandOf(p);
      const lag = st.config.searchLagMs;
      const found = newestFirst(st).filter(
        (pi) => pi.created * 1000 + lag <= st.nowMs() && tests.every((t) => t(pi)),
      );
      return {
        body: {
          object: 'search_result',
          url: '/v1/payment_intents/search',
          has_more: found.length > limit,
          next_page: null,
          data: found.slice(0, limit).map((pi) => renderPi(st, pi, expand)),
        },
      };
    },
  },
  // List PaymentIntents, newest first, with `created[gte|gt|lte|lt]`, `limit` and `starting_after` (what
  // stripe-node's auto-pagination sends). https://docs.stripe.com/search#data-freshness: "Don't use search for
  // read-after-write flows … data is searchable in under 1 minute … For read-after-write flows that require
  // immediate data availability, use the various list APIs", so checks that must see a charge at once list.
  {
    method: 'GET',
    path: /^\/v1\/payment_intents$/,
    handler: ({ params: p, state: st }) => {
      const created = obj(p, 'created');
      const bound = (k: string) => {
        const v = str(created, k);
        return v === undefined ? undefined : Number(v);
      };
      const [gte, gt, lte, lt] = [bound('gte'), bound('gt'), bound('lte'), bound('lt')];
      let found = newestFirst(st).filter(
        (pi) =>
          (gte === undefined || pi.created >= gte) &&
          (gt === undefined || pi.created > gt) &&
          (lte === undefined || pi.created <= lte) &&
          (lt === undefined || pi.created < lt),
      );
      const after = str(p, 'starting_after');
      if (after) {
        const at = found.findIndex((pi) => pi.id === after);
        if (at < 0) throw missing('payment_intent', after, 'starting_after');
        found = found.slice(at + 1);
      }
      const expand = listExpandOf(p);
      return { body: renderList('/v1/payment_intents', found, limitOf(p), (pi) => renderPi(st, pi, expand)) };
    },
  },
  {
    method: 'GET',
    path: /^\/v1\/payment_intents\/([^/]+)$/,
    handler: ({ params: p, match, state: st }) => ({
      body: renderPi(st, piOr404(st, match[1]!), expandOf(p)),
    }),
  },
  {
    method: 'POST',
    path: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
    handler: ({ params: p, match, state: st }) => {
      checkParams(p, PI_CONFIRM_PARAMS);
      return { body: confirm(st, piOr404(st, match[1]!), p, expandOf(p)) };
    },
  },
  {
    method: 'POST',
    path: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
    handler: ({ params: p, match, state: st }) => {
      checkParams(p, ['cancellation_reason', 'expand']);
      const pi = piOr404(st, match[1]!);
      if (pi.status === 'succeeded' || pi.status === 'canceled') {
        throw invalid(
          `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
          undefined,
          'payment_intent_unexpected_state',
          true,
        );
      }
      pi.status = 'canceled';
      pi.canceledAt = st.nowS();
      pi.cancellationReason = str(p, 'cancellation_reason') ?? null;
      st.emit('payment_intent.canceled', renderPi(st, pi));
      return { body: renderPi(st, pi, expandOf(p)) };
    },
  },
];
