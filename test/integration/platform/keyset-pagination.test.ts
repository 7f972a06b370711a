import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  CursorCodec,
  type CursorValue,
  cursorScope,
  keysetAfter,
  keysetOrderBy,
  newId,
  parseSort,
  PrismaService,
  toPage,
} from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';

/**
 * The platform's one list mechanism against real PostgreSQL: paging through rows with many
 * ties on the sort key, while rows are inserted between pages, returns every row once.
 */
describe('keyset pagination on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  const workspaceId = newId();
  const scope = cursorScope(['outbox-events', workspaceId, 'occurredAt']);

  beforeAll(async () => {
    moduleRef = await platformTestingModule();
    prisma = moduleRef.get(PrismaService);
    // 57 rows on 5 distinct timestamps: most rows tie with others on the sort key.
    const base = Date.UTC(2026, 0, 1);
    await prisma.outboxEvent.createMany({
      data: Array.from({ length: 57 }, (_, i) => ({
        id: newId(),
        type: 'test.keyset',
        visibility: 'internal' as const,
        workspaceId,
        occurredAt: new Date(base + (i % 5) * 1000),
        data: { i },
      })),
    });
  });

  afterAll(async () => {
    await prisma.outboxEvent.deleteMany({ where: { workspaceId } });
    await moduleRef.close();
  });

  async function listPage(direction: 'asc' | 'desc', limit: number, cursor?: string) {
    const sort = parseSort(direction === 'asc' ? 'occurredAt' : '-occurredAt', ['occurredAt'] as const, {
      field: 'occurredAt',
      direction: 'asc',
    });
    const position = cursor === undefined ? undefined : CursorCodec.decode(scope, cursor);
    const after =
      position === undefined
        ? {}
        : keysetAfter(sort, new Date(String(position[0])).toISOString(), String(position[1]), { nullable: false });
    const rows = await prisma.outboxEvent.findMany({
      where: { workspaceId, ...after },
      orderBy: keysetOrderBy(sort, { nullable: false }),
      take: limit + 1,
    });
    return toPage(
      rows,
      limit,
      scope,
      (row): CursorValue[] => [row.occurredAt.toISOString(), row.id],
      (row) => ({ id: row.id, occurredAt: row.occurredAt.getTime() }),
    );
  }

  it.each(['asc', 'desc'] as const)(
    'returns every row exactly once, in order, sorting %s with ties',
    async (direction) => {
      const seen: { id: string; occurredAt: number }[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listPage(direction, 10, cursor);
        seen.push(...page.data);
        cursor = page.page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined);

      expect(pages).toBe(6);
      expect(new Set(seen.map((r) => r.id)).size).toBe(57);
      const times = seen.map((r) => r.occurredAt);
      const sorted = [...times].sort((a, b) => (direction === 'asc' ? a - b : b - a));
      expect(times).toEqual(sorted);
    },
  );

  it('is stable when rows are inserted before the cursor position', async () => {
    const first = await listPage('asc', 10);
    // A row that sorts before everything already paged must not shift the next page.
    await prisma.outboxEvent.create({
      data: {
        id: newId(),
        type: 'test.keyset',
        visibility: 'internal',
        workspaceId,
        occurredAt: new Date(Date.UTC(2025, 0, 1)),
        data: {},
      },
    });
    const second = await listPage('asc', 10, first.page.nextCursor ?? undefined);
    const firstIds = new Set(first.data.map((r) => r.id));
    expect(second.data).toHaveLength(10);
    expect(second.data.some((r) => firstIds.has(r.id))).toBe(false);
    expect(second.data[0]!.occurredAt).toBeGreaterThanOrEqual(first.data.at(-1)!.occurredAt);
  });

  it('refuses a cursor issued for another sort', async () => {
    const page = await listPage('asc', 5);
    const foreignScope = cursorScope(['outbox-events', workspaceId, 'id']);
    expect(() => CursorCodec.decode(foreignScope, page.page.nextCursor!)).toThrow(/another list/);
  });
});
