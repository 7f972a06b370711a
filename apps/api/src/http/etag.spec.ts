import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@groundwork/platform';
import { etagOf, noneMatchHits, parseIfMatch } from './etag.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (error) {
    return error instanceof DomainError ? error.code : 'other';
  }
}

describe('ETag helpers', () => {
  it('builds a strong tag from a version', () => {
    expect(etagOf(7)).toBe('"7"');
  });

  it('reads the version of If-Match; missing or * → precondition_required; anything else → precondition_failed', () => {
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch(' "3" ')).toBe(3);
    expect(codeOf(() => parseIfMatch(undefined))).toBe('precondition_required');
    expect(codeOf(() => parseIfMatch(''))).toBe('precondition_required');
    expect(codeOf(() => parseIfMatch('*'))).toBe('precondition_required');
    expect(codeOf(() => parseIfMatch('W/"3"'))).toBe('precondition_failed');
    expect(codeOf(() => parseIfMatch('3'))).toBe('precondition_failed');
    expect(codeOf(() => parseIfMatch('"1", "2"'))).toBe('precondition_failed');
  });

  it('matches If-None-Match weakly, in lists and with *', () => {
    expect(noneMatchHits('"4"', '"4"')).toBe(true);
    expect(noneMatchHits('W/"4"', '"4"')).toBe(true);
    expect(noneMatchHits('"1", "4"', '"4"')).toBe(true);
    expect(noneMatchHits('*', '"4"')).toBe(true);
    expect(noneMatchHits('"3"', '"4"')).toBe(false);
    expect(noneMatchHits(undefined, '"4"')).toBe(false);
  });
});
