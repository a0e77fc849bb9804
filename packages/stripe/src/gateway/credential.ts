// The SPT credential: its shape, checked before core stores or sends anything (`validateCredential`), and
// whether a granted token can pay a given charge (`tokenProblem`, used before the PaymentIntent create).
import type { CredentialCheck, CredentialCheckResult } from '@acp/core';
import type { TokenProblem } from '../outcomes.js';
import { type GrantedToken, isSptId } from '../spt.js';

export function validateCredential(input: CredentialCheck): CredentialCheckResult {
  if (input.credential.type !== 'spt') {
    return {
      ok: false,
      field: 'type',
      message: 'This store accepts Stripe Shared Payment Tokens only (credential.type "spt").',
    };
  }
  if (!isSptId(input.credential.token)) {
    return {
      ok: false,
      field: 'token',
      message: 'must be a Stripe Shared Payment Token id: "spt_" followed by letters and digits.',
    };
  }
  return { ok: true };
}

/** Which problem makes a token unusable for this charge, if any. */
export function tokenProblem(
  token: GrantedToken,
  amount: number,
  currency: string,
  nowSeconds: number,
): TokenProblem | undefined {
  if (token.deactivatedAt !== null || token.deactivatedReason) {
    const r = token.deactivatedReason;
    return r === 'consumed' || r === 'expired' || r === 'revoked' ? r : 'deactivated';
  }
  const limits = token.usageLimits;
  if (limits?.expiresAt !== null && limits?.expiresAt !== undefined && limits.expiresAt <= nowSeconds)
    return 'expired';
  if (limits?.currency && limits.currency !== currency.toLowerCase()) return 'currency';
  if (limits && amount > limits.maxAmount - token.amountCaptured) return 'amount';
  return undefined;
}
