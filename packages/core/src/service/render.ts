// Session answers: the one place a session (with its order) becomes an answer's body. The body is rendered
// fresh for every answer (a consumer may change its copy; the parts it shares with the stored session are
// immutable where the store keeps objects), and the answer remembers how it was rendered, so that an
// idempotency record can keep that instead of a copy of the body (`IdempotencyFinish.renderBody`): the session
// and order versions it renders are immutable, so the rendering is the same on every replay.
import type { ResolvedConfig } from '../config.js';
import type { OrderRecord, SessionState } from '../domain.js';
import { toWireSession } from '../engine/wire.js';
import { answer, type ServiceResult } from './results.js';

export function sessionAnswers(config: ResolvedConfig) {
  /**
   * The answer with `status` whose body is `state` (and `order`) on the wire. Pass only objects that are never
   * changed afterwards (a committed or stored version): a replay renders them again.
   */
  return function sessionAnswer(
    status: number,
    state: SessionState,
    order: OrderRecord | null = null,
  ): ServiceResult {
    return answer(status, toWireSession(state, config, order), {}, false, () =>
      toWireSession(state, config, order),
    );
  };
}

export type SessionAnswer = ReturnType<typeof sessionAnswers>;
