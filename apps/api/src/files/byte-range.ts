/** What a download answers for its `Range` (and `If-Range`) headers (RFC 9110, 14). */
export type RangePlan =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Plans the answer to a `Range` header for a representation of `size` bytes with strong tag
 * `etag`. One range is served (206); a header that is malformed, names another unit or asks
 * for several ranges is ignored (200 with everything: RFC 9110 lets a server ignore Range);
 * a range that starts past the end is unsatisfiable (416). An `If-Range` that is not this
 * representation's tag means the client's copy is stale: everything is sent.
 */
export function planRange(
  range: string | undefined,
  ifRange: string | undefined,
  size: number,
  etag: string,
): RangePlan {
  if (range === undefined) return { kind: 'full' };
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'full' };
  const match = SINGLE_RANGE.exec(range.trim());
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  // `last < first` makes the header invalid (ignored), not unsatisfiable.
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}

/** Whether an `If-None-Match` header matches the tag (weak comparison, as RFC 9110 13.1.2 asks). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}
