import { DomainError } from '../errors/domain-error.js';
import { isUuid } from '../ids/uuid.js';
import { CursorCodec, cursorScope } from './cursor.js';
import { type Page, toPage } from './page.js';
import type { SortDirection } from './sort.js';

/** One page of a list ordered by its time-ordered UUIDs alone. */
export interface IdPageRequest<K extends string> {
  /** What a cursor belongs to: the list and the filters fixed by the caller (see `cursorScope`). */
  scope: readonly unknown[];
  limit: number;
  cursor: string | undefined;
  /** `asc`: oldest first; `desc`: newest first. */
  order: SortDirection;
  /** The id column the list is ordered by; `id` unless the rows are keyed by another one. */
  idField?: K;
}

/** The query parts of one page, for the caller's `findMany`. */
export interface IdSeek<K extends string> {
  /**
   * Spread into the `where`: the rows past the cursor as a range bound on the id (empty on the
   * first page), so PostgreSQL seeks into the index at the position instead of counting rows.
   */
  after: { [P in K]?: { gt: string } | { lt: string } };
  orderBy: { [P in K]: SortDirection };
  /** One row beyond the limit: it only proves that a next page exists. */
  take: number;
}

/**
 * Pages a list ordered by its UUID v7 ids: decodes the cursor (a malformed one, or one issued
 * for another list, is an `invalid_cursor` error), lets `fetch` run the query with the seek,
 * and builds the page whose cursor is the id of its last row.
 */
export async function pageById<R extends { [P in K]: string }, T, K extends string = 'id'>(
  request: IdPageRequest<K>,
  fetch: (seek: IdSeek<K>) => Promise<R[]>,
  present: (row: R) => T,
): Promise<Page<T>> {
  const idField = request.idField ?? ('id' as K);
  const scope = cursorScope(request.scope);
  const position = request.cursor === undefined ? undefined : decodeId(scope, request.cursor);
  const bound = request.order === 'asc' ? { gt: position } : { lt: position };
  const seek = {
    after: position === undefined ? {} : { [idField]: bound },
    orderBy: { [idField]: request.order },
    take: request.limit + 1,
  } as IdSeek<K>;
  const rows = await fetch(seek);
  return toPage(rows, request.limit, scope, (row) => [row[idField]], present);
}

/** The id a cursor points after; anything but a UUID there is as invalid as a malformed token. */
function decodeId(scope: string, cursor: string): string {
  const id = CursorCodec.decode(scope, cursor)[0];
  if (typeof id !== 'string' || !isUuid(id)) throw new DomainError('invalid_cursor', 'The cursor is invalid.');
  return id;
}
