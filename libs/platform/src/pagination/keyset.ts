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
  const after: Where[] = [{ [sort.field]: { [cmp]: value } }, { [sort.field]: value, [idField]: { [cmp]: id } }];
  if (nullable) after.push({ [sort.field]: null });
  return { OR: after };
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
