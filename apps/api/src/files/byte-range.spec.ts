import { describe, expect, it } from '@jest/globals';
import { ifNoneMatchHits, planRange } from './byte-range.js';

const ETAG = '"abc"';

describe('planRange', () => {
  it('serves everything without a Range header', () => {
    expect(planRange(undefined, undefined, 100, ETAG)).toEqual({ kind: 'full' });
  });

  it('serves one closed, open-ended or suffix range', () => {
    expect(planRange('bytes=0-9', undefined, 100, ETAG)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(planRange('bytes=90-', undefined, 100, ETAG)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(planRange('bytes=-10', undefined, 100, ETAG)).toEqual({ kind: 'partial', start: 90, end: 99 });
  });

  it('clamps a range that runs past the end, and a suffix longer than the file', () => {
    expect(planRange('bytes=50-500', undefined, 100, ETAG)).toEqual({ kind: 'partial', start: 50, end: 99 });
    expect(planRange('bytes=-500', undefined, 100, ETAG)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('finds a range starting at or past the end unsatisfiable, and any range of an empty file', () => {
    expect(planRange('bytes=100-', undefined, 100, ETAG)).toEqual({ kind: 'unsatisfiable' });
    expect(planRange('bytes=-0', undefined, 100, ETAG)).toEqual({ kind: 'unsatisfiable' });
    expect(planRange('bytes=0-0', undefined, 0, ETAG)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores malformed headers, other units and several ranges (the whole file is sent)', () => {
    for (const header of ['bytes=5-2', 'bytes=-', 'bytes=a-b', 'items=0-1', 'bytes=0-1,5-6', 'bytes 0-1', '']) {
      expect(planRange(header, undefined, 100, ETAG)).toEqual({ kind: 'full' });
    }
  });

  it('honours If-Range only when it names the current tag', () => {
    expect(planRange('bytes=0-9', ETAG, 100, ETAG)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(planRange('bytes=0-9', '"old"', 100, ETAG)).toEqual({ kind: 'full' });
    expect(planRange('bytes=0-9', 'Wed, 21 Oct 2015 07:28:00 GMT', 100, ETAG)).toEqual({ kind: 'full' });
  });
});

describe('ifNoneMatchHits', () => {
  it('matches the tag in a list, weakly, or *', () => {
    expect(ifNoneMatchHits(ETAG, ETAG)).toBe(true);
    expect(ifNoneMatchHits(`"x", W/${ETAG}`, ETAG)).toBe(true);
    expect(ifNoneMatchHits('*', ETAG)).toBe(true);
    expect(ifNoneMatchHits('"x"', ETAG)).toBe(false);
    expect(ifNoneMatchHits(undefined, ETAG)).toBe(false);
  });
});
