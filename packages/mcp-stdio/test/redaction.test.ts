// The stdio log path never writes a card number to stderr (issue 10 item 12): the logger and the console
// redirect both redact, whatever carries the PAN (message, field, nested value, error, console argument).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redirectConsoleToStderr, stderrLogger } from '../src/index.js';

const PANS = ['4242424242424242', '4000 0025 0000 3155', '5555-5555-5555-4444'];
const digitsOf = (s: string) => s.replace(/[ -]/g, '');

function expectNoPan(out: string): void {
  const compact = out.replace(/[ -]/g, '');
  for (const pan of PANS) expect(compact).not.toContain(digitsOf(pan));
}

const original = { ...console };
afterEach(() => {
  Object.assign(console, original);
  vi.restoreAllMocks();
});

describe('stdio logging redacts card numbers', () => {
  it('stderrLogger (default: process.stderr) masks PANs in the message, fields, nested values and errors', () => {
    let out = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const logger = stderrLogger();
    logger.warn(`token creation failed for ${PANS[0]}`, {
      error: `Your card ${PANS[1]} was declined`,
      card: { number: PANS[2], exp_month: 12 },
      args: [{ cardNumber: PANS[0] }],
      cause: new Error(`charge of ${PANS[1]} failed`),
    });
    logger.error('plain', { order: 'ord_123', amount: 1234567890123 });
    expect(out).toContain('token creation failed');
    expect(out).toContain('ord_123');
    expect(out).toContain('1234567890123'); // not a Luhn-valid card: kept
    expectNoPan(out);
  });

  it('console output redirected to stderr is redacted too', () => {
    let out = '';
    redirectConsoleToStderr((line) => {
      out += line;
    });
    console.log('debug card', PANS[0]);
    console.error({ cardNumber: '4242424242424242', note: `backup ${PANS[2]}` });
    console.warn(`cvc for ${PANS[1]}`);
    expect(out).toContain('debug card');
    expectNoPan(out);
  });
});
