import type { CursorValue } from './cursor.js';
import type { SortSpec } from './sort.js';

type Where = Record<string, unknown>;

/**
 * The Prisma `where` that selects the rows after a keyset position, for a sort on `field`
 * with `id` as the tie-breaker (ties are ordered by id in the sort's direction) and NULL sort
 * values last. Stable under inserts and correct with ties, unlike OFFSET.
 */
export function keysetAfter<F extends string>(
  sort: SortSpec<F>,
  value: CursorValue,
  id: string,
  idField = 'id',
): Where {
  const cmp = sort.direction === 'asc' ? 'gt' : 'lt';
  if (sort.field === idField) return { [idField]: { [cmp]: id } };
  if (value === null) {
    // Already among the trailing NULLs: only NULL rows with a later id remain.
    return { [sort.field]: null, [idField]: { [cmp]: id } };
  }
  return {
    OR: [{ [sort.field]: { [cmp]: value } }, { [sort.field]: value, [idField]: { [cmp]: id } }, { [sort.field]: null }],
  };
}

/** The matching Prisma `orderBy`: sort field (NULLs last), then id. */
export function keysetOrderBy<F extends string>(sort: SortSpec<F>, nullable: boolean, idField = 'id'): Where[] {
  if (sort.field === idField) return [{ [idField]: sort.direction }];
  const first = nullable ? { [sort.field]: { sort: sort.direction, nulls: 'last' } } : { [sort.field]: sort.direction };
  return [first, { [idField]: sort.direction }];
}
