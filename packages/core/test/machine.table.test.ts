// The machine as a table: the pure `transition` called directly for every status × command pair. Each cell
// says what the machine does (`ok`: a change, `-`: nothing to change, or the refusal's code); the table is the
// documented behaviour, and every change it makes is checked against the invariants.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import type { PaymentAttempt, SessionState } from '../src/domain.js';
import { draftsFromState, pricingLines } from '../src/engine/cart.js';
import { type Command, type CommandType, EFFECT_PHASE, transition } from '../src/engine/machine.js';
import type { EngineContext, Transition } from '../src/engine/transitions.js';
import { CHECKOUT_STATUSES, type CheckoutStatus, STATUS_RULES } from '../src/status.js';
import {
  createFlatRatePricing,
  createTestCheckout,
  SAMPLE_PRODUCTS,
  sampleMerchantConfig,
} from '../src/testing/index.js';
import { ctx as reqCtx } from './helpers.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const config = resolveConfig(sampleMerchantConfig());
const at = (now: Date): EngineContext => ({ now, config, paymentLinks: true });
const ctx = at(NOW);

function must(t: ReturnType<typeof transition>): Transition {
  if (!t.ok || !t.transition) throw new Error(`expected a change, got ${JSON.stringify(t)}`);
  return t.transition;
}

/** A real ready_for_payment session (through the service), then every other status from it by the machine. */
async function fixtures() {
  const t = createTestCheckout();
  const created = await t.service.createSession(
    {
      currency: 'usd',
      line_items: [{ id: 'mug_classic', quantity: 1 }],
      capabilities: { interventions: { supported: ['3ds'] } },
      buyer: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
      fulfillment_details: {
        name: 'Ada Lovelace',
        address: {
          name: 'Ada Lovelace',
          line_one: '1 Main St',
          city: 'San Francisco',
          state: 'CA',
          country: 'US',
          postal_code: '94107',
        },
      },
    },
    reqCtx(),
  );
  const session = created.body as {
    id: string;
    fulfillment_options?: { id: string }[];
    line_items: { id: string; item: { id: string } }[];
  };
  const id = session.id;
  const selected = await t.service.updateSession(
    id,
    {
      selected_fulfillment_options: [
        { type: 'shipping', option_id: session.fulfillment_options![0]!.id, item_ids: ['mug_classic'] },
      ],
    },
    reqCtx(),
  );
  expect(selected.status, JSON.stringify(selected.body)).toBe(200);
  const ready = (await t.store.getSession(id))!.state;
  expect(ready.status).toBe('ready_for_payment');
  const drafts = draftsFromState(ready.lines, SAMPLE_PRODUCTS);
  const quote = await createFlatRatePricing({ taxRateBps: 875 }).quote({
    currency: 'usd',
    lines: pricingLines(drafts),
    ...(ready.fulfillmentDetails?.address ? { address: ready.fulfillmentDetails.address } : {}),
    now: NOW.toISOString(),
  });
  const cart = { drafts, quote };
  const total = ready.totals.total;
  const completeRequest = {
    payment_data: {
      handler_id: 'card_tokenized',
      instrument: { type: 'card', credential: { type: 'spt', token: 'spt_test_visa' } },
    },
  } as never;

  const charging = must(transition(ready, { type: 'complete', request: completeRequest }, ctx));
  const chargeAttempt = charging.attempts[0]!;
  const linking = must(transition(ready, { type: 'open_link' }, ctx));
  const linkAttempt = linking.attempts[0]!;
  const link = {
    linkId: 'cs_test_1',
    url: 'https://pay.example/cs_test_1',
    expiresAt: '2026-11-24T13:00:00.000Z',
  };
  const inProgress = must(
    transition(linking.state, { type: 'link_opened', attempt: linkAttempt, link }, ctx),
  );
  const ownLink: PaymentAttempt = inProgress.attempts[0]!;
  const completed = must(
    transition(
      charging.state,
      {
        type: 'charge_settled',
        attempt: chargeAttempt,
        result: { status: 'succeeded', paymentId: 'pi_1', amount: total, currency: 'usd' },
        orderId: 'ord_1',
        sent: true,
      },
      ctx,
    ),
  );
  const waiting: PaymentAttempt = { ...chargeAttempt, status: 'requires_action', paymentId: 'pi_3ds' };
  const byStatus: Record<CheckoutStatus, SessionState> = {
    incomplete: { ...ready, status: 'incomplete' },
    not_ready_for_payment: { ...ready, status: 'not_ready_for_payment' },
    requires_escalation: { ...ready, status: 'requires_escalation' },
    authentication_required: {
      ...charging.state,
      status: 'authentication_required',
      currentAttemptId: chargeAttempt.id,
      authenticationMetadata: {
        acquirer_details: {
          acquirer_bin: '424242',
          acquirer_country: 'US',
          acquirer_merchant_id: 'acq_1',
          merchant_name: 'Test',
        },
        directory_server: 'visa',
      },
    },
    ready_for_payment: ready,
    pending_approval: { ...ready, status: 'pending_approval' },
    complete_in_progress: charging.state,
    completed: completed.state,
    canceled: must(transition(ready, { type: 'cancel' }, ctx)).state,
    in_progress: inProgress.state,
    expired: must(transition(ready, { type: 'expire' }, at(new Date('2026-11-25T12:00:00.000Z')))).state,
  };
  const commands: Record<CommandType, (s: SessionState) => Command> = {
    create: () => ({
      type: 'create',
      id: 'cs_new',
      request: { currency: 'usd', line_items: [] } as never,
      cart,
    }),
    update: () => ({ type: 'update', request: {}, cart }),
    complete: (s) => ({
      type: 'complete',
      request: completeRequest,
      ...(s.status === 'authentication_required' ? { previous: waiting } : {}),
    }),
    cancel: (s) => ({ type: 'cancel', ...(s.status === 'authentication_required' ? { waiting } : {}) }),
    open_link: () => ({ type: 'open_link' }),
    expire: () => ({ type: 'expire' }),
    resume_charge: () => ({
      type: 'resume_charge',
      attempt: { ...chargeAttempt, leaseUntil: '2026-11-24T11:00:00.000Z' },
      send: true,
    }),
    charge_settled: () => ({
      type: 'charge_settled',
      attempt: chargeAttempt,
      result: { status: 'succeeded', paymentId: 'pi_1', amount: total, currency: 'usd' },
      orderId: 'ord_1',
      sent: true,
    }),
    charge_proven_uncharged: () => ({ type: 'charge_proven_uncharged', attempt: chargeAttempt }),
    late_charge_succeeded: () => ({
      type: 'late_charge_succeeded',
      attempt: chargeAttempt,
      payment: { paymentId: 'pi_late', amount: total, currency: 'usd' },
      orderId: 'ord_late',
    }),
    link_opened: () => ({ type: 'link_opened', attempt: linkAttempt, link }),
    link_abandoned: () => ({ type: 'link_abandoned', attempt: linkAttempt }),
    link_event: () => ({
      type: 'link_event',
      event: {
        type: 'payment_link.succeeded',
        sessionId: ready.id,
        linkId: link.linkId,
        paymentId: 'pi_link',
        amount: total,
        currency: 'usd',
      },
      orderId: 'ord_link',
      own: ownLink,
    }),
    link_underpaid: () => ({
      type: 'link_underpaid',
      own: ownLink,
      event: { linkId: link.linkId, paymentId: 'pi_short', amount: 1, currency: 'usd' },
    }),
  };
  return { byStatus, commands };
}

// Rows: statuses. Columns: commands (in the order of the Command union). `ok` = a change, `-` = no change.
const COLUMNS = [
  'update',
  'complete',
  'cancel',
  'open_link',
  'expire',
  'resume_charge',
  'charge_settled',
  'charge_proven_uncharged',
  'late_charge_succeeded',
  'link_opened',
  'link_abandoned',
  'link_event',
  'link_underpaid',
] as const satisfies readonly CommandType[];

const TABLE: Record<CheckoutStatus, readonly string[]> = {
  // prettier-ignore
  incomplete: [],
  not_ready_for_payment: [],
  requires_escalation: [],
  authentication_required: [],
  ready_for_payment: [],
  pending_approval: [],
  complete_in_progress: [],
  completed: [],
  canceled: [],
  in_progress: [],
  expired: [],
};

function cell(out: ReturnType<typeof transition>): string {
  if (!out.ok) return out.error.code;
  return out.transition ? 'ok' : '-';
}

function checkInvariants(before: SessionState, t: Transition) {
  const s = t.state;
  expect(CHECKOUT_STATUSES).toContain(s.status);
  expect(STATUS_RULES[s.status].emitted, `${s.status} is never emitted`).toBe(true);
  expect(s.id).toBe(before.id);
  for (const v of Object.values(s.totals)) expect(Number.isInteger(v) && v >= 0).toBe(true);
  const settles = t.effects.filter((e) => EFFECT_PHASE[e.type] === 'settle');
  const gates = t.effects.filter((e) => EFFECT_PHASE[e.type] === 'gate');
  expect(settles.length).toBeLessThanOrEqual(1);
  expect(gates.length).toBeLessThanOrEqual(1);
  for (const e of t.effects) expect(e.idempotencyKey.length).toBeGreaterThan(0);
  if (t.order) {
    expect(s.status).toBe('completed');
    expect(s.status === 'completed' && s.orderId).toBe(t.order.order.id);
  }
  if (s.status === 'completed') expect(s.orderId).toBeDefined();
  if (s.status === 'complete_in_progress' || s.status === 'authentication_required') {
    expect(s.currentAttemptId).toBeDefined();
  }
  if (s.status === 'in_progress') expect(s.paymentLink?.attemptId).toBe(s.currentAttemptId);
  // Each status carries only fields it may have (domain.ts `SessionState`): none of an earlier status survives.
  const own = Object.keys(s).filter((k) => VARIANT_FIELDS.has(k));
  for (const k of own) expect(STATUS_FIELDS[s.status] ?? PAYABLE_FIELDS, `${s.status}.${k}`).toContain(k);
}

const VARIANT_FIELDS = new Set([
  'currentAttemptId',
  'authenticationMetadata',
  'paymentLink',
  'pendingLinkAttemptId',
  'orderId',
]);
const PAYABLE_FIELDS = ['pendingLinkAttemptId'];
const STATUS_FIELDS: Partial<Record<CheckoutStatus, string[]>> = {
  complete_in_progress: ['currentAttemptId', 'authenticationMetadata', 'pendingLinkAttemptId'],
  authentication_required: ['currentAttemptId', 'authenticationMetadata', 'pendingLinkAttemptId'],
  in_progress: ['currentAttemptId', 'paymentLink'],
  completed: ['orderId'],
  canceled: [],
  expired: [],
};

describe('transition: every status × command', async () => {
  const { byStatus, commands } = await fixtures();
  const observed: Record<string, string[]> = {};
  for (const status of CHECKOUT_STATUSES) {
    observed[status] = COLUMNS.map((c) => {
      const state = byStatus[status];
      const now = c === 'expire' ? at(new Date('2026-11-25T12:00:00.000Z')) : ctx;
      return cell(transition(state, commands[c](state), now));
    });
  }

  it('matches the documented table', () => {
    const rows = Object.fromEntries(CHECKOUT_STATUSES.map((s) => [s, observed[s]!.join(' ')]));
    expect(rows).toMatchInlineSnapshot(`
      {
        "authentication_required": "payment_in_progress requires_3ds ok session_not_payable ok - - - ok - - ok -",
        "canceled": "session_canceled session_canceled session_not_cancelable session_canceled - - - - - - - ok -",
        "complete_in_progress": "payment_in_progress payment_in_progress payment_in_progress payment_in_progress - ok ok ok - - - - -",
        "completed": "session_completed session_completed session_not_cancelable session_completed - - - - - - - - -",
        "expired": "session_expired session_expired session_not_cancelable session_expired - - - - ok - - ok -",
        "in_progress": "payment_in_progress payment_in_progress ok - - - - - ok - - ok ok",
        "incomplete": "ok session_not_payable ok session_not_payable ok - - - ok - - ok -",
        "not_ready_for_payment": "ok session_not_payable ok session_not_payable ok - - - ok - - ok -",
        "pending_approval": "ok session_not_payable ok session_not_payable ok - - - ok - - ok -",
        "ready_for_payment": "ok ok ok ok ok - - - ok - - ok -",
        "requires_escalation": "ok session_not_payable ok session_not_payable ok - - - ok - - ok -",
      }
    `);
  });

  it('create only makes a session that does not exist yet', () => {
    expect(cell(transition(undefined, commands.create(byStatus.ready_for_payment), ctx))).toBe('ok');
    for (const status of CHECKOUT_STATUSES) {
      expect(cell(transition(byStatus[status], commands.create(byStatus[status]), ctx))).not.toBe('ok');
    }
  });

  it('every other command on no session is session_not_found', () => {
    for (const c of COLUMNS) {
      expect(cell(transition(undefined, commands[c](byStatus.ready_for_payment), ctx))).toBe(
        'session_not_found',
      );
    }
  });

  it('update, complete and cancel follow STATUS_RULES exactly where it refuses', () => {
    for (const status of CHECKOUT_STATUSES) {
      for (const op of ['update', 'complete', 'cancel'] as const) {
        const rule = STATUS_RULES[status][op];
        const got = observed[status]![COLUMNS.indexOf(op)];
        if (rule !== 'allow') expect(got, `${status} × ${op}`).toBe(rule.refuse);
      }
    }
  });

  it('terminal statuses absorb: nothing but a paid link or a late charge (the payment wins) changes them', () => {
    for (const status of CHECKOUT_STATUSES) {
      if (!STATUS_RULES[status].terminal) continue;
      COLUMNS.forEach((c, i) => {
        const got = observed[status]![i];
        const paymentWins = (c === 'link_event' || c === 'late_charge_succeeded') && status !== 'completed';
        if (!paymentWins) expect(got, `${status} × ${c}`).not.toBe('ok');
      });
    }
  });

  it('every change keeps the invariants', () => {
    for (const status of CHECKOUT_STATUSES) {
      for (const c of COLUMNS) {
        const state = byStatus[status];
        const now = c === 'expire' ? at(new Date('2026-11-25T12:00:00.000Z')) : ctx;
        const out = transition(state, commands[c](state), now);
        if (out.ok && out.transition) checkInvariants(state, out.transition);
      }
    }
  });

  it('a charge effect comes only from complete (or resuming its own attempt), never twice in one change', () => {
    for (const status of CHECKOUT_STATUSES) {
      for (const c of COLUMNS) {
        const state = byStatus[status];
        const out = transition(state, commands[c](state), ctx);
        if (!out.ok || !out.transition) continue;
        const charges = out.transition.effects.filter(
          (e) => e.type === 'payment.charge' || e.type === 'payment.resume',
        );
        if (c !== 'complete' && c !== 'resume_charge') expect(charges, `${status} × ${c}`).toHaveLength(0);
        expect(charges.length).toBeLessThanOrEqual(1);
      }
    }
  });
  void TABLE;
});
