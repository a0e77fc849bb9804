// The shell around the machine: load, expire, decide, commit with compare-and-set (one loop for every
// operation), and one exhaustive interpreter of effects. Nothing here decides a business rule: rules are in
// engine/ (transition) and status.ts; the shell does I/O in the order the rules require.
import { type ResolvedConfig, resolveConfig } from '../config.js';
import type { OrderRecord, PaymentAttempt, SessionState, WaitingSession } from '../domain.js';
import { type Effect, emit as emitEffect } from '../engine/effects.js';
import { type Command, EFFECT_PHASE, type Outcome, transition } from '../engine/machine.js';
import type { RefundUpdate } from '../engine/refunds.js';
import type { EngineContext, Transition } from '../engine/transitions.js';
import { AcpError } from '../errors.js';
import { redactPans } from '../pan.js';
import { assertNever } from '../status.js';
import { finishWith, type IdemRef } from './idempotency.js';
import { concurrentModification, describeCause, errorResult, type ServiceResult } from './results.js';
import { type CheckoutServiceDeps, INTERNAL_CALLER, type RequestContext } from './types.js';

export const MAX_CAS_RETRIES = 8;

export type Stored = { state: SessionState; version: number };

/** One step of the compare-and-set loop, decided from the stored session (after expiry). */
export type Step<R> =
  /** Run this command through the machine, commit, and answer with `respond(transition)`. */
  | { command: Command; respond: (t: Transition) => R | Promise<R>; unchanged?: () => R | Promise<R> }
  /** Answer without a change. */
  | { done: R }
  /** The stored session moved on under us (a concurrent change was applied): load again. */
  | { retry: true };

export interface Settled<R> {
  value: R;
  /** The committed transition (absent when the step answered without one). */
  transition?: Transition;
  /** The session version the transition was committed as. */
  version?: number;
  /** The answer was stored under the request's idempotency key in the same commit. */
  stored: boolean;
}

/** The PSP-facing half of the interpreter: the modules that own those calls register here. */
export interface PspHandlers {
  /** Closes an open payment link before a cancel commits: `proceed`, `retry` (state changed), or refuse. */
  expireLink(effect: Extract<Effect, { type: 'payment_link.expire' }>, stored: Stored): Promise<GateResult>;
  /** Pulls the PSP refunds of a new order's payment (refunds made before the order existed). */
  pullRefunds(record: OrderRecord): Promise<void>;
}
export type GateResult = { kind: 'proceed' } | { kind: 'retry' } | { kind: 'refuse'; error: AcpError };

export type Shell = ReturnType<typeof createShell>;

export function createShell(deps: CheckoutServiceDeps) {
  const config: ResolvedConfig = resolveConfig(deps.config);
  const { store, gateway, clock, logger } = deps;
  let psp: PspHandlers | undefined;

  const ctxNow = (): EngineContext => ({
    now: clock.now(),
    config,
    paymentLinks: gateway.createPaymentLink !== undefined,
  });
  const fail = (e: unknown) => errorResult(e, logger);

  /**
   * Object-level authorization: a session owned by another caller answers exactly like an unknown id. Sessions
   * without an owner (stored before owners existed) stay open to every caller; `internal` sees all.
   */
  function assertOwner(state: SessionState, ctx: Pick<RequestContext, 'caller'>): void {
    if (state.owner === undefined || ctx.caller === INTERNAL_CALLER || state.owner === ctx.caller) return;
    throw new AcpError('session_not_found', `No checkout session with id "${state.id}".`, { param: '$.id' });
  }

  async function load(id: string): Promise<Stored> {
    const stored = await store.getSession(id);
    if (!stored)
      throw new AcpError('session_not_found', `No checkout session with id "${redactPans(id)}".`, {
        param: '$.id',
      });
    return stored;
  }

  /** Loads a session for `ctx.caller`: unknown and foreign ids answer alike. */
  async function loadOwned(id: string, ctx: Pick<RequestContext, 'caller'>): Promise<Stored> {
    const stored = await load(id);
    assertOwner(stored.state, ctx);
    return stored;
  }

  /** The attempt a session waits on (`currentAttemptId`), if it is stored. */
  async function currentAttempt(state: WaitingSession): Promise<PaymentAttempt | undefined> {
    return (await store.getPaymentAttempt(state.currentAttemptId)) ?? undefined;
  }

  /** The attempt an `authentication_required` session waits on (its 3DS payment), if any. */
  async function waitingAttempt(state: SessionState): Promise<PaymentAttempt | undefined> {
    return state.status === 'authentication_required' ? currentAttempt(state) : undefined;
  }

  /** Commits a transition with compare-and-set, with the request's answer when it is an outcome. */
  async function commit(
    t: Transition,
    expectedVersion: number | null,
    idem?: { ref: IdemRef | undefined; response: ServiceResult<unknown> },
  ): Promise<boolean> {
    const finish = idem ? finishWith(idem.ref, idem.response) : undefined;
    const r = await store.commit({
      session: t.state,
      expectedVersion,
      ...(t.order ? { order: t.order } : {}),
      ...(t.attempts.length ? { attempts: t.attempts } : {}),
      ...(finish ? { idempotency: finish } : {}),
    });
    return r.ok;
  }

  /** Runs `command` through the machine (`transition`), with the time of now. */
  const decide = (state: SessionState | undefined, command: Command): Outcome =>
    transition(state, command, ctxNow());

  /**
   * Applies the expiry of a session past its `expires_at` (a session waiting for 3DS gets its waiting attempt,
   * so that the expiry abandons it and cancels its payment at the PSP). Returns the current stored session, or
   * undefined when the commit lost a race (load again).
   */
  async function expireDue(stored: Stored): Promise<Stored | undefined> {
    const out = decide(stored.state, { type: 'expire' });
    if (!out.ok || !out.transition) return stored;
    let t = out.transition;
    if (stored.state.status === 'authentication_required') {
      const waiting = await waitingAttempt(stored.state);
      if (waiting) {
        const again = decide(stored.state, { type: 'expire', waiting });
        if (again.ok && again.transition) t = again.transition;
      }
    }
    if (!(await commit(t, stored.version))) return undefined;
    if (t.effects.length > 0) await runEffects(t);
    return { state: t.state, version: stored.version + 1 };
  }

  /**
   * The one compare-and-set loop: load → expire if due (unless `expire: false`) → decide a step → run the
   * machine → run its gate effect (before the commit) → commit (with the answer under `idem` when it is an
   * outcome and no PSP call is still to decide it) → run the after-commit effects. Retried on version
   * conflicts. PSP calls that settle the answer (charge, link create) are left to the caller, after the
   * commit: `transition` is returned with them.
   */
  async function casLoop<R>(
    id: string,
    step: (stored: Stored) => Promise<Step<R>>,
    options: {
      idem?: IdemRef | undefined;
      /** How `R` is stored for idempotent replay (when R is a service answer). */
      asResponse?: (r: R) => ServiceResult<unknown>;
      expire?: boolean;
      exhausted?: () => R;
      /** The session as the caller just loaded it: the first round starts from it instead of loading again. */
      first?: Stored;
    } = {},
  ): Promise<Settled<R>> {
    let first = options.first;
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      let stored: Stored | undefined = first ?? (await load(id));
      first = undefined;
      if (options.expire !== false) {
        stored = await expireDue(stored);
        if (!stored) continue;
      }
      const s = await step(stored);
      if ('retry' in s) continue;
      if ('done' in s) return { value: s.done, stored: false };
      const out = decide(stored.state, s.command);
      if (!out.ok) throw out.error;
      const t = out.transition;
      if (!t) {
        if (!s.unchanged) throw new Error(`command ${s.command.type} changed nothing`);
        return { value: await s.unchanged(), stored: false };
      }
      let gated = false;
      for (const effect of t.effects) {
        if (EFFECT_PHASE[effect.type] !== 'gate') continue;
        const g = await gate(effect, stored);
        if (g.kind === 'refuse') throw g.error;
        if (g.kind === 'retry') gated = true;
      }
      if (gated) continue;
      const responded = s.respond(t);
      const value = responded instanceof Promise ? await responded : responded;
      const settles = t.effects.some((e) => EFFECT_PHASE[e.type] === 'settle');
      const response = options.asResponse && !settles ? options.asResponse(value) : undefined;
      const committed = await commit(
        t,
        stored.version,
        response && options.idem ? { ref: options.idem, response } : undefined,
      );
      if (!committed) continue;
      if (t.effects.length > 0) await runEffects(t);
      return {
        value,
        transition: t,
        version: stored.version + 1,
        stored:
          response !== undefined &&
          options.idem !== undefined &&
          finishWith(options.idem, response) !== undefined,
      };
    }
    if (options.exhausted) return { value: options.exhausted(), stored: false };
    throw concurrentModification();
  }

  // ------------------------------------------------------------------------------------ the interpreter

  /** A gate effect, run before its transition commits. */
  async function gate(effect: Effect, stored: Stored): Promise<GateResult> {
    switch (effect.type) {
      case 'payment_link.expire':
        if (!psp) return { kind: 'proceed' };
        return psp.expireLink(effect, stored);
      case 'payment.charge':
      case 'payment.resume':
      case 'payment_link.create':
      case 'payment.cancel':
      case 'inventory.commit':
      case 'event.emit':
        return { kind: 'proceed' };
      default:
        return assertNever(effect, 'effect');
    }
  }

  /**
   * Runs the after-commit effects of a committed transition (events, inventory, cancels). Settling effects
   * (charge, link create) are run by the operation that answers with their outcome; gate effects ran before the
   * commit. A failing effect is logged and never fails the request that committed.
   */
  async function runEffects(t: Pick<Transition, 'effects'>): Promise<void> {
    for (const effect of t.effects) {
      try {
        switch (effect.type) {
          case 'inventory.commit':
            await deps.catalog.commitInventory?.({
              orderId: effect.orderId,
              lines: effect.lines,
              idempotencyKey: effect.idempotencyKey,
            });
            break;
          case 'event.emit':
            try {
              await deps.events?.emit(effect.event, { idempotencyKey: effect.idempotencyKey });
            } finally {
              // Bounded like a read's recovery: a hanging PSP never holds the answer; the pull goes on.
              if (effect.event.type === 'order_created' && psp)
                await withinReadBudget(psp.pullRefunds(effect.event.order));
            }
            break;
          case 'payment.cancel':
            cancelAtPsp(effect.paymentId, effect.idempotencyKey);
            break;
          case 'payment.charge':
          case 'payment.resume':
          case 'payment_link.create':
          case 'payment_link.expire':
            // Settle and gate effects: run by the operation (they decide its answer), never here.
            break;
          default:
            assertNever(effect, 'effect');
        }
      } catch (e) {
        logger?.warn('post-commit effect failed', { effect: effect.type, cause: describeCause(e) });
      }
    }
  }

  /** Emits domain events outside a transition (PSP facts about money that is not a session's order). */
  const report = (...events: Parameters<typeof emitEffect>[0][]) =>
    runEffects({ effects: events.map(emitEffect) });

  /**
   * Cancels a PSP payment nobody will finish (3DS abandoned), in the background: a PSP outage never blocks or
   * fails the request that made it obsolete. Retried with backoff, then logged for the operator.
   */
  function cancelAtPsp(paymentId: string, idempotencyKey: string): void {
    const cancel = gateway.cancelPayment?.bind(gateway);
    if (!cancel) return;
    const tries = 4;
    const run = async () => {
      for (let i = 0; i < tries; i++) {
        try {
          const r = await cancel(paymentId, { idempotencyKey });
          if (r.status !== 'retryable_failure') return;
        } catch (e) {
          logger?.debug?.('payment cancel failed; retrying', { paymentId, cause: describeCause(e) });
        }
        if (i < tries - 1) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** i));
      }
      logger?.warn('could not cancel an abandoned payment at the payment provider; cancel it there', {
        paymentId,
      });
    };
    void run().catch(() => undefined);
  }

  /** Waits for `work` at most `readRecoveryBudgetMs`: an answer never waits on a hanging PSP. */
  async function withinReadBudget(work: Promise<void>): Promise<void> {
    const ms = config.readRecoveryBudgetMs;
    if (ms <= 0) return;
    let timer: unknown;
    await Promise.race([
      work,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer as never);
  }

  /** Records one PSP refund fact in an order's ledger (the webhook's, the merchant's and the pull's one path). */
  async function applyOrderRefund(
    orderId: string,
    refund: {
      refundId: string;
      status: RefundUpdate['status'];
      amount: number;
      currency: string;
      reason?: string;
    },
  ): Promise<{ record: OrderRecord; changed: boolean } | null> {
    const now = clock.now().toISOString();
    const updated = await store.upsertOrderRefund(
      orderId,
      {
        refundId: refund.refundId,
        status: refund.status,
        amount: refund.amount,
        currency: refund.currency,
        at: now,
        ...(refund.reason ? { reason: refund.reason } : {}),
      },
      now,
    );
    if (updated?.changed) await report({ type: 'order_updated', order: updated.record, reason: 'refund' });
    return updated;
  }

  return {
    deps,
    config,
    store,
    gateway,
    clock,
    ids: deps.ids,
    logger,
    fail,
    ctxNow,
    decide,
    load,
    loadOwned,
    assertOwner,
    currentAttempt,
    waitingAttempt,
    commit,
    expireDue,
    casLoop,
    runEffects,
    report,
    withinReadBudget,
    applyOrderRefund,
    register(handlers: PspHandlers) {
      psp = handlers;
    },
  };
}
