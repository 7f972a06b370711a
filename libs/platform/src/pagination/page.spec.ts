import { describe, expect, it } from '@jest/globals';
import { CursorCodec, cursorScope } from './cursor.js';
import { isPage, nextPageLink, toPage } from './page.js';

interface Row {
  id: string;
  createdAt: Date;
  secretColumn: string;
}

const SCOPE = cursorScope(['rows', 'createdAt']);

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `id-${i + 1}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    secretColumn: `hidden-${i + 1}`,
  }));
}

function page(fetched: Row[], limit: number) {
  return toPage(
    fetched,
    limit,
    SCOPE,
    (row) => [row.createdAt.toISOString(), row.id],
    (row) => ({ id: row.id }),
  );
}

/** The URL inside `<…>; rel="next"`. */
function linkTarget(link: string): URL {
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  if (!match?.[1]) throw new Error(`not a rel="next" link: ${link}`);
  return new URL(match[1]);
}

describe('toPage', () => {
  it('returns `limit` items and a cursor when limit + 1 rows were fetched', () => {
    const result = page(rows(4), 3);

    expect(result.data).toEqual([{ id: 'id-1' }, { id: 'id-2' }, { id: 'id-3' }]);
    expect(result.page.limit).toBe(3);
    expect(result.page.nextCursor).not.toBeNull();
  });

  it('points the cursor at the last row returned, not at the extra row', () => {
    const fetched = rows(4);

    const result = page(fetched, 3);

    expect(CursorCodec.decode(SCOPE, result.page.nextCursor ?? '')).toEqual([
      fetched[2]?.createdAt.toISOString(),
      'id-3',
    ]);
  });

  it.each([
    ['exactly `limit` rows', 3],
    ['fewer rows than `limit`', 2],
    ['no rows', 0],
  ])('has no next cursor with %s', (_what, count) => {
    const result = page(rows(count), 3);

    expect(result.data).toHaveLength(count);
    expect(result.page).toEqual({ nextCursor: null, limit: 3 });
  });

  it('presents each row through `present`, so columns it omits never leave', () => {
    const result = page(rows(2), 5);

    expect(JSON.stringify(result)).not.toContain('hidden-');
  });

  it('builds a value that isPage recognises', () => {
    expect(isPage(page(rows(2), 5))).toBe(true);
  });
});

describe('isPage', () => {
  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['an object without page', { data: [] }],
    ['an object whose data is not an array', { data: {}, page: { nextCursor: null, limit: 1 } }],
    ['a page without nextCursor', { data: [], page: { limit: 1 } }],
    ['a string', 'page'],
  ])('is false for %s', (_what, value) => {
    expect(isPage(value)).toBe(false);
  });
});

describe('nextPageLink', () => {
  it('replaces the cursor of the request URL and keeps every filter', () => {
    const link = nextPageLink(
      'https://api.example.com',
      '/v1/workspaces/w1/tasks?status=todo&cursor=old-cursor&status=done&limit=5&label=a%20b',
      'new-cursor',
    );

    const target = linkTarget(link);
    expect(target.pathname).toBe('/v1/workspaces/w1/tasks');
    expect(target.searchParams.getAll('cursor')).toEqual(['new-cursor']);
    expect(target.searchParams.getAll('status')).toEqual(['todo', 'done']);
    expect(target.searchParams.get('limit')).toBe('5');
    expect(target.searchParams.get('label')).toBe('a b');
  });

  it('adds the cursor when the request had none', () => {
    const link = nextPageLink('https://api.example.com', '/v1/workspaces/w1/tasks?limit=5', 'c1');

    expect(link).toBe('<https://api.example.com/v1/workspaces/w1/tasks?limit=5&cursor=c1>; rel="next"');
  });

  it('uses the public base URL, with its port, as scheme and host', () => {
    const link = nextPageLink('http://localhost:3000', '/v1/workspaces', 'c1');

    expect(link).toBe('<http://localhost:3000/v1/workspaces?cursor=c1>; rel="next"');
  });

  it('ignores a scheme and host given in the request target (absolute-form request)', () => {
    const link = nextPageLink('https://api.example.com', 'http://attacker.test:8080/v1/workspaces?limit=2', 'c1');

    const target = linkTarget(link);
    expect(target.origin).toBe('https://api.example.com');
    expect(target.pathname).toBe('/v1/workspaces');
  });

  it('ignores a protocol-relative request target pointing at another host', () => {
    const link = nextPageLink('https://api.example.com', '//attacker.test/v1/workspaces', 'c1');

    expect(linkTarget(link).origin).toBe('https://api.example.com');
  });
});
