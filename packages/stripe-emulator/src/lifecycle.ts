// The ends of Checkout Sessions and Shared Payment Tokens, each with its event. Expiry by time is lazy: every
// request (and `emulator.sweep()`) runs `sweep` first.
import { renderSession, renderToken } from './render.js';
import type { CheckoutSessionRec, EmulatorState, GrantedTokenRec } from './state.js';

export function expireSession(st: EmulatorState, s: CheckoutSessionRec): void {
  s.status = 'expired';
  st.emit('checkout.session.expired', renderSession(st, s));
}

export function deactivateToken(
  st: EmulatorState,
  t: GrantedTokenRec,
  reason: NonNullable<GrantedTokenRec['deactivatedReason']>,
  at = st.nowS(),
): void {
  t.deactivatedAt = at;
  t.deactivatedReason = reason;
  st.emit('shared_payment.granted_token.deactivated', renderToken(st, t));
}

/** Expire open Checkout Sessions and SPTs whose time has come. */
export function sweep(st: EmulatorState): void {
  const now = st.nowS();
  for (const s of st.sessions.values()) {
    if (s.status === 'open' && s.expiresAt <= now) expireSession(st, s);
  }
  for (const t of st.tokens.values()) {
    if (!t.deactivatedAt && t.expiresAt !== null && t.expiresAt <= now)
      deactivateToken(st, t, 'expired', now);
  }
}
