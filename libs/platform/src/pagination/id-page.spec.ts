import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors/domain-error.js';
import { newId } from '../ids/uuid.js';
import { CursorCodec, cursorScope } from './cursor.js';
import { type IdSeek, pageById } from './id-page.js';
import type { Page } from './page.js';
import type { SortDirection } from './sort.js';

interface Row {
  id: string;
  secret: string;
}

/** Rows with time-ordered ids, in creation order. */
function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({ id: newId(), secret: `hidden-${i}` }));
}

/** Runs a seek over `table` the way PostgreSQL would: bound, order, take. */
function runSeek<R extends Record<K, string>, K extends string>(table: R[], idField: K, seek: IdSeek<K>): R[] {
  const bound = seek.after[idField];
  const direction = seek.orderBy[idField];
  return table
    .filter((row) => {
      if (bound === undefined) return true;
      return 'gt' in bound ? row[idField] > bound.gt : row[idField] < bound.lt;
    })
    .sort((a, b) => (direction === 'asc' ? 1 : -1) * a[idField].localeCompare(b[idField]))
    .slice(0, seek.take);
}

function list(table: Row[], order: SortDirection, limit: number, cursor?: string): Promise<Page<{ id: string }>> {
  return pageById(
    { scope: ['rows', 'workspace-1'], limit, cursor, order },
    async (seek) => runSeek(table, 'id', seek),
    (row) => ({ id: row.id }),
  );
}

/** Every page of the list, following `nextCursor` to the end. */
async function walk(table: Row[], order: SortDirection, limit: number): Promise<Page<{ id: string }>[]> {
  const pages = [await list(table, order, limit)];
  for (let next = pages[0]?.page.nextCursor; next; next = pages.at(-1)?.page.nextCursor ?? null) {
    pages.push(await list(table, order, limit, next));
  }
  return pages;
}

async function refusal(cursor: string): Promise<DomainError> {
  let fetched = false;
  try {
    await pageById(
      { scope: ['rows', 'workspace-1'], limit: 2, cursor, order: 'asc' },
      async () => {
        fetched = true;
        return [];
      },
      (row: Row) => row,
    );
  } catch (error) {
    expect(fetched).toBe(false);
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected the cursor ${JSON.stringify(cursor)} to be refused`);
}

describe('pageById', () => {
  it.each([
    ['asc', 'oldest first'],
    ['desc', 'newest first'],
  ] as const)('walks the whole list %s (%s) with no row missing or repeated', async (order, _what) => {
    const table = rows(7);
    const expected = table.map((row) => row.id).sort();
    if (order === 'desc') expected.reverse();

    const pages = await walk(table, order, 3);

    expect(pages.map((page) => page.data.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((page) => page.data.map((item) => item.id))).toEqual(expected);
    expect(pages.at(-1)?.page.nextCursor).toBeNull();
  });

  it('asks for one row beyond the limit, ordered by the id, with no bound on the first page', async () => {
    const seeks: IdSeek<'id'>[] = [];

    await pageById(
      { scope: ['rows'], limit: 5, cursor: undefined, order: 'desc' },
      async (seek) => {
        seeks.push(seek);
        return [];
      },
      (row: Row) => row,
    );

    expect(seeks).toEqual([{ after: {}, orderBy: { id: 'desc' }, take: 6 }]);
  });

  it.each([
    ['asc', 'gt'],
    ['desc', 'lt'],
  ] as const)('seeks past the cursor with a range bound on the id (%s: %s)', async (order, cmp) => {
    const table = rows(3);
    const first = await list(table, order, 1);
    const seeks: IdSeek<'id'>[] = [];

    await pageById(
      { scope: ['rows', 'workspace-1'], limit: 1, cursor: first.page.nextCursor ?? undefined, order },
      async (seek) => {
        seeks.push(seek);
        return [];
      },
      (row: Row) => row,
    );

    expect(seeks[0]?.after).toEqual({ id: { [cmp]: first.data[0]?.id } });
  });

  it('orders, bounds and positions by the id column it is given', async () => {
    const memberships = rows(5).map((row) => ({ workspaceId: row.id, role: 'member' }));
    const seeks: IdSeek<'workspaceId'>[] = [];
    const page = (cursor?: string) =>
      pageById(
        { scope: ['workspaces', 'user-1'], limit: 2, cursor, order: 'asc', idField: 'workspaceId' },
        async (seek) => {
          seeks.push(seek);
          return runSeek(memberships, 'workspaceId', seek);
        },
        (row) => row.workspaceId,
      );

    const first = await page();
    const second = await page(first.page.nextCursor ?? undefined);

    expect([...first.data, ...second.data]).toEqual(memberships.slice(0, 4).map((row) => row.workspaceId));
    expect(seeks[1]).toEqual({
      after: { workspaceId: { gt: first.data[1] } },
      orderBy: { workspaceId: 'asc' },
      take: 3,
    });
  });

  it('presents each row, so columns it leaves out never reach the page', async () => {
    const page = await list(rows(2), 'asc', 5);

    expect(JSON.stringify(page)).not.toContain('hidden-');
  });

  it.each([
    ['a malformed token', 'not a cursor!'],
    ['a cursor of another list', CursorCodec.encode(cursorScope(['other-rows', 'workspace-1']), [newId()])],
    [
      'a cursor of the same list in another workspace',
      CursorCodec.encode(cursorScope(['rows', 'workspace-2']), [newId()]),
    ],
    ['a position that is not a UUID', CursorCodec.encode(cursorScope(['rows', 'workspace-1']), ["' OR 1=1 --"])],
    ['a numeric position', CursorCodec.encode(cursorScope(['rows', 'workspace-1']), [42])],
  ])('refuses %s as invalid_cursor before querying', async (_what, cursor) => {
    const error = await refusal(cursor);

    expect(error.code).toBe('invalid_cursor');
  });
});
