import { describe, expect, it } from '@jest/globals';
import { normalizeEmail } from './normalize-email.js';

describe('normalizeEmail', () => {
  it('trims surrounding whitespace', () => {
    expect(normalizeEmail('  ada@example.com\t\n')).toBe('ada@example.com');
  });

  it('lower-cases the domain', () => {
    expect(normalizeEmail('ada@Example.COM')).toBe('ada@example.com');
  });

  it('keeps the case of the local part, which RFC 5321 leaves case-sensitive', () => {
    expect(normalizeEmail('Ada.Lovelace@Example.com')).toBe('Ada.Lovelace@example.com');
  });

  it('splits at the last @, so a quoted local part containing @ keeps its case', () => {
    expect(normalizeEmail('"Ada@Home"@Example.ORG')).toBe('"Ada@Home"@example.org');
  });

  it('trims and lower-cases the domain in one pass', () => {
    expect(normalizeEmail('  Grace.Hopper@NAVY.Mil  ')).toBe('Grace.Hopper@navy.mil');
  });

  it('returns a string without @ trimmed and otherwise unchanged', () => {
    expect(normalizeEmail('  Not-An-Email  ')).toBe('Not-An-Email');
  });

  it('is idempotent', () => {
    const once = normalizeEmail('  Ada@Example.COM ');

    expect(normalizeEmail(once)).toBe(once);
  });
});
