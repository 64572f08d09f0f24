// Separation of duties compares names as a person reads them: the measured attacks on requester ≠ approver are refused.
import { describe, expect, it } from 'vitest';
import { addressOf, normaliseIdentity, sameIdentity, skeleton } from '../../src/core/identity-compare.js';

describe('sameIdentity', () => {
  it.each([
    ['alice', 'alice'],
    ['alice', ' ALICE '],
    ['alice', 'alice\u200b'], // zero-width space
    ['alice', 'al\u00adice'], // soft hyphen
    ['alice', 'ali\u2060ce\ufe0f'], // word joiner, variation selector
    ['alice@example.com', '\u0430lice@example.com'], // Cyrillic а
    ['alice@example.com', 'ALICE@EXAMPLE.COM'.replace('A', '\u0410')], // Cyrillic capital А
    ['alice@example.com', 'Alice <alice@example.com>'],
    ['Alice <alice@example.com>', '"A. Smith" <alice@example.com>'],
    ['alice@example.com', 'alice+approver@example.com'],
    ['alice', '\uff41\uff4c\uff49\uff43\uff45'], // fullwidth (NFKC)
    ['alice', 'aIice'], // capital I for l
    ['bob', 'b\u03bfb'], // Greek omicron
    ['bob', 'b0b'], // digit zero
    ['sam', 'sa\u0072\u006e'], // rn for m
    ['alice', 'alice@host'], // a local principal user@host and a token named after the user
    ['ren\u00e9', 'rene\u0301'], // composed and decomposed
  ])('%j and %j are the same person', (a, b) => {
    expect(sameIdentity(a, b)).toBe(true);
    expect(sameIdentity(b, a)).toBe(true);
  });

  it.each([
    ['alice', 'bob'],
    ['alice@example.com', 'bob@example.com'],
    ['alice@example.com', 'alicia@example.com'],
    ['ciso-token', 'admin-token'],
    ['ann', 'anne'],
  ])('%j and %j are different people', (a, b) => {
    expect(sameIdentity(a, b)).toBe(false);
  });

  it('normalises, extracts the address, and skeletons', () => {
    expect(normaliseIdentity(' al\u200bice\u00a0 x ')).toBe('alice x');
    expect(addressOf('Alice <alice@example.com>')).toBe('alice@example.com');
    expect(addressOf('alice')).toBe('alice');
    expect(skeleton('\u0440\u0430\u0443\u0440\u0430l')).toBe('paypal');
  });
});
