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

/** Records that a new Checkout Session or SPT expires at `at` (seconds), so that `sweep` looks at it then. */
export function noteExpiry(st: EmulatorState, at: number | null): void {
  if (at !== null && at < st.nextExpiryS) st.nextExpiryS = at;
}

/**
 * Expire open Checkout Sessions and SPTs whose time has come. Runs on every request, so it walks the records
 * only once the earliest pending expiry has come (`nextExpiryS`), and then computes the next one.
 */
export function sweep(st: EmulatorState): void {
  const now = st.nowS();
  if (now < st.nextExpiryS) return;
  let next = Number.POSITIVE_INFINITY;
  for (const s of st.sessions.values()) {
    if (s.status !== 'open') continue;
    if (s.expiresAt <= now) expireSession(st, s);
    else if (s.expiresAt < next) next = s.expiresAt;
  }
  for (const t of st.tokens.values()) {
    if (t.deactivatedAt || t.expiresAt === null) continue;
    if (t.expiresAt <= now) deactivateToken(st, t, 'expired', now);
    else if (t.expiresAt < next) next = t.expiresAt;
  }
  st.nextExpiryS = next;
}
