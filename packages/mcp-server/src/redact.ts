// Redaction for anything written to a log: card numbers (core's one PAN detector), card fields by name, and
// Stripe secrets. One copy, used by the stdio logger (@acp/mcp-stdio) and the demo store's logger.
// Runtime-neutral (no node:*).
import { redactPans } from '@acp/core';

export { luhnValid } from '@acp/core';

const SENSITIVE_KEYS =
  /^(card(_?number)?|number|cvc|cvv|cvc2|exp_?(month|year)|expMonth|expYear|cardNumber|pan|secret|password|authorization|stripe_secret_key|api_key)$/i;

/**
 * Masks card numbers (whatever digits, spaces or separators they are written with: core's `redactPans`) and
 * Stripe secrets (`sk_`/`rk_` keys, underscores after the prefix included, and `whsec_` signing secrets) in
 * free text.
 */
export function redactText(text: string): string {
  return redactPans(text, '[REDACTED PAN]')
    .replace(/\b(sk|rk)_(live|test)_[A-Za-z0-9_]{6,}/g, '$1_$2_[REDACTED]')
    .replace(/\bwhsec_[A-Za-z0-9_]+/g, 'whsec_[REDACTED]');
}

/** Deep copy with card fields (by name) replaced and every string passed through {@link redactText}. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SENSITIVE_KEYS.test(k) ? '[REDACTED]' : redact(v, depth + 1);
    return out;
  }
  return value;
}
