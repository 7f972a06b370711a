import { describe, expect, it } from '@jest/globals';
import { isValidQuery, toSearchText } from './search-text.js';

describe('search text', () => {
  it('accepts 1 to 200 characters, counted as code points', () => {
    expect(isValidQuery('a')).toBe(true);
    expect(isValidQuery('😀'.repeat(200))).toBe(true);
    expect(isValidQuery('😀'.repeat(201))).toBe(false);
    expect(isValidQuery('')).toBe(false);
    expect(isValidQuery('   ')).toBe(false);
  });

  it('takes the last word as a prefix only when the text ends inside a word', () => {
    expect(toSearchText('deploy pipel')).toEqual({ query: 'deploy pipel', prefix: 'pipel' });
    expect(toSearchText('"deploy pipeline"')).toEqual({ query: '"deploy pipeline"', prefix: null });
    expect(toSearchText('naïve caf')).toEqual({ query: 'naïve caf', prefix: 'caf' });
    expect(toSearchText('deploy pipeline ')).toEqual({ query: 'deploy pipeline', prefix: null });
  });

  it('removes NUL, other control characters and bidi marks', () => {
    expect(toSearchText('a\u0000b\u200Fc\u202Ed')).toEqual({ query: 'a bcd', prefix: 'bcd' });
  });
});
