import type { CursorValue } from './cursor.js';
import type { SortSpec } from './sort.js';

type Where = Record<string, unknown>;

export interface KeysetOptions {
  /** Whether the sort column may be NULL (NULLs then sort last in both directions). */
  nullable: boolean;
  /** The unique tie-breaker column. */
  idField?: string;
}

/**
 * The Prisma `where` that selects the rows after a keyset position, for a sort on `field`
 * with the id as tie-breaker (ordered in the sort's direction). Stable under inserts and
 * correct with ties, unlike OFFSET.
 */
export function keysetAfter<F extends string>(
  sort: SortSpec<F>,
  value: CursorValue,
  id: string,
  { nullable, idField = 'id' }: KeysetOptions,
): Where {
  const cmp = sort.direction === 'asc' ? 'gt' : 'lt';
  if (sort.field === idField) return { [idField]: { [cmp]: id } };
  if (value === null) {
    // Already among the trailing NULLs: only NULL rows with a later id remain.
    return { [sort.field]: null, [idField]: { [cmp]: id } };
  }
  // The bound (`>=`/`<=` the position's value) says nothing the OR does not, but PostgreSQL can
  // use it as an index condition and start the scan at the position; the OR alone is a filter,
  // so page N would read and discard every row of the pages before it.
  const bound = { [sort.field]: { [cmp === 'gt' ? 'gte' : 'lte']: value } };
  const afterPosition: Where = {
    AND: [bound, { OR: [{ [sort.field]: { [cmp]: value } }, { [sort.field]: value, [idField]: { [cmp]: id } }] }],
  };
  return nullable ? { OR: [afterPosition, { [sort.field]: null }] } : afterPosition;
}

/** The matching Prisma `orderBy`: the sort field (NULLs last), then the id. */
export function keysetOrderBy<F extends string>(
  sort: SortSpec<F>,
  { nullable, idField = 'id' }: KeysetOptions,
): Where[] {
  if (sort.field === idField) return [{ [idField]: sort.direction }];
  const first = nullable ? { [sort.field]: { sort: sort.direction, nulls: 'last' } } : { [sort.field]: sort.direction };
  return [first, { [idField]: sort.direction }];
}
