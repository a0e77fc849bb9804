// The leak scanner itself: it must find what it is for (positive controls), or a clean scan proves nothing.
import { describe, expect, it } from 'vitest';
import { findPans, luhnValid, scanForCardData } from '../src/pan.js';

describe('card-data scanner', () => {
  it('implements Luhn', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('42a2')).toBe(false);
  });

  it('finds PANs with or without separators, inside JSON, logs and form bodies', () => {
    for (const text of [
      '{"number":"4242424242424242"}',
      'card 4242 4242 4242 4242 declined',
      'card[number]=5555-5555-5555-4444&x=1',
      'amex 378282246310005.',
      'unionpay 6200000000000005',
    ]) {
      expect(findPans(text), text).toHaveLength(1);
    }
    expect(findPans('{"number":"4242424242424242"}')[0]!.masked).toBe('••••••••••••4242');
  });

  it('ignores what is not a card: Luhn failures, epoch milliseconds, longer digit runs, short numbers', () => {
    expect(findPans('4242424242424241')).toEqual([]);
    expect(findPans('created 1776000000000 ms')).toEqual([]); // starts with 1: not a card network
    expect(findPans('42424242424242424242424')).toEqual([]);
    expect(findPans('amount 1999 tax 175 total 2174')).toEqual([]);
    // A digest that happens to hold a Luhn-valid digit run is not a card number.
    expect(findPans('requestKey af1ad4c9d424242424242424dd1')).toEqual([]);
  });

  it('finds the numbers and CVCs a run used, and cvc fields with a value', () => {
    const used = { numbers: ['4000 0000 0000 0002'], cvcs: ['7319'] };
    const leaks = scanForCardData(
      [
        { source: 'a', text: 'declined 4000-0000-0000-0002' },
        { source: 'b', text: '{"cvc":"7319"}' },
        { source: 'c', text: 'card[cvc]=123' },
        { source: 'd', text: 'pi_3Ab7319x cvc_check pass 2026-04-17T10:17:31.319Z' },
        { source: 'e', text: 'name 4000\u00a00000\u00a00000\u00a00002' },
        { source: 'f', text: 'x 4000.0000.0000.0002 y' },
        { source: 'g', text: '\uff14\uff10\uff10\uff10'.concat('\uff10'.repeat(11), '\uff12') },
      ],
      used,
    );
    expect(leaks.map((l) => `${l.source}:${l.kind}`).sort()).toEqual([
      'a:pan',
      'a:used_number',
      'b:cvc_field',
      'b:used_cvc',
      'c:cvc_field',
      'e:pan',
      'e:used_number',
      'f:used_number',
      'g:pan',
      'g:used_number',
    ]);
  });
});
