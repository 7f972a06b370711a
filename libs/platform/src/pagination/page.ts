import { CursorCodec, type CursorValue } from './cursor.js';

/** The list envelope of every list route: `{ data, page: { nextCursor, limit } }`. */
export interface Page<T> {
  data: T[];
  page: { nextCursor: string | null; limit: number };
}

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only proves that a next page
 * exists, and the cursor points at the last row returned.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  scope: string,
  positionOf: (row: R) => CursorValue[],
  present: (row: R) => T,
): Page<T> {
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? CursorCodec.encode(scope, positionOf(last)) : null;
  return { data: visible.map(present), page: { nextCursor, limit } };
}

export function isPage(value: unknown): value is Page<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const page = (value as { page?: unknown }).page;
  return (
    Array.isArray((value as { data?: unknown }).data) &&
    typeof page === 'object' &&
    page !== null &&
    'nextCursor' in page
  );
}

/** RFC 8288 `Link: <…>; rel="next"` for the request URL with its cursor replaced. */
export function nextPageLink(publicBaseUrl: string, originalUrl: string, nextCursor: string): string {
  const url = new URL(originalUrl, `${publicBaseUrl}/`);
  const base = new URL(publicBaseUrl);
  url.protocol = base.protocol;
  url.host = base.host;
  // Setting `host` without a port keeps the request target's port; the base decides it too.
  url.port = base.port;
  url.searchParams.set('cursor', nextCursor);
  return `<${url.toString()}>; rel="next"`;
}
