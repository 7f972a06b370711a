import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { EventsModule, newId, type Prisma, PrismaService } from '@groundwork/platform';
import {
  hitsQuery,
  PostgresSearchEngine,
  SearchModule,
  similarTitlesQuery,
  type SearchRequest,
  type SearchType,
  toSearchText,
} from '@groundwork/search';
import { ProjectsService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * Every query shape of the PostgreSQL engine, explained exactly as the engine sends it. With
 * 800 tasks and 200 comments (tests stay small) a sequential scan is cheap, so the planner is
 * told to avoid one (`enable_seqscan = off`): a shape the GIN indexes cannot answer still gets
 * a Seq Scan then — the control case shows it — so a plan without one, built on the GIN
 * indexes, proves the indexes serve the shape. `npm run bench:search` times the same shapes
 * on 200 000 rows.
 */
describe('search query plans', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let engine: PostgresSearchEngine;
  let arrange: WorkArrangement;
  let workspaceId: string;
  let projectId: string;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule, SearchModule] });
    prisma = moduleRef.get(PrismaService);
    engine = new PostgresSearchEngine(prisma);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    const ws = await arrange.workspace();
    workspaceId = ws.id;
    projectId = (
      await moduleRef.get(ProjectsService).create(ws.id, actor(ws.owner, 'owner'), { name: 'P', key: 'PLAN' })
    ).id;
    const words = ['deploy', 'pipeline', 'release', 'database', 'migration', 'review', 'billing', 'search'];
    // One task in 20 carries the vocabulary (as in a real workspace, any one word is in few of
    // its tasks); the rest are unique md5 words.
    await prisma.$executeRaw`
      INSERT INTO tasks (id, workspace_id, project_id, number, title, description, labels, created_by_id, updated_at)
      SELECT gen_random_uuid(), ${workspaceId}::uuid, ${projectId}::uuid, g,
             CASE WHEN g % 20 = 0 THEN (${words}::text[])[1 + (g / 20) % 8] || ' ' || (${words}::text[])[1 + (g / 160) % 8]
                  ELSE 'item' END || ' ' || md5(g::text),
             'notes ' || md5((g + 1)::text) || CASE WHEN g = 7 THEN ' zeppelin' ELSE '' END,
             ARRAY['label-' || (g % 5)]::varchar(50)[], ${ws.owner}::uuid, now() - g * interval '1 minute'
      FROM generate_series(1, 800) AS g`;
    await prisma.$executeRaw`
      INSERT INTO task_comments (id, workspace_id, task_id, author_id, body, updated_at)
      SELECT gen_random_uuid(), ${workspaceId}::uuid, t.id, ${ws.owner}::uuid, 'comment on the ' || t.title, now()
      FROM (SELECT id, title FROM tasks WHERE workspace_id = ${workspaceId}::uuid ORDER BY number LIMIT 200) AS t`;
    await prisma.$executeRawUnsafe('ANALYZE tasks');
    await prisma.$executeRawUnsafe('ANALYZE task_comments');
  }, 60_000);

  afterAll(async () => {
    await prisma.$executeRaw`DELETE FROM tasks WHERE workspace_id = ${workspaceId}::uuid`;
    await arrange.cleanUp();
    await moduleRef.close();
  });

  function requestFor(q: string, options: Partial<SearchRequest> = {}): SearchRequest {
    return { workspaceId, text: toSearchText(q), types: ['task', 'comment'], limit: 21, ...options };
  }

  async function planOf(q: string, options: Partial<SearchRequest> = {}, withoutIndexes = false): Promise<PlanNode[]> {
    const request = requestFor(q, options);
    const tsquery = await engine.tsquery(request.text);
    if (tsquery === null) throw new Error(`nothing to search in ${q}`);
    return explain(hitsQuery(request, tsquery), withoutIndexes);
  }

  async function explain(statement: Prisma.Sql, withoutIndexes = false, pricedFilters = false): Promise<PlanNode[]> {
    const [row] = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      if (pricedFilters) await tx.$executeRawUnsafe('SET LOCAL cpu_operator_cost = 1');
      if (withoutIndexes) {
        await tx.$executeRawUnsafe('SET LOCAL enable_indexscan = off');
        await tx.$executeRawUnsafe('SET LOCAL enable_bitmapscan = off');
      }
      return tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `EXPLAIN (FORMAT JSON) ${statement.text}`,
        ...statement.values,
      );
    });
    return nodesOf(row!['QUERY PLAN'][0].Plan);
  }

  const seqScans = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Node Type'] === 'Seq Scan' && ['tasks', 'task_comments'].includes(n['Relation Name'] ?? ''));
  const indexesUsed = (nodes: PlanNode[]) => new Set(nodes.map((n) => n['Index Name']).filter(Boolean));

  it('sees a Seq Scan when the planner may not use indexes (the check itself works)', async () => {
    expect(seqScans(await planOf('deploy', {}, true))).not.toEqual([]);
  });

  const position = { score: 0.1, updatedAt: new Date(), id: newId() };
  const cases: [string, string, Partial<SearchRequest>][] = [
    ['one common word', 'deploy', {}],
    ['two words', 'deploy pipeline', {}],
    ['a phrase', '"deploy pipeline"', {}],
    ['a prefix (the last word typed so far)', 'migr', {}],
    ['a rare word', 'zeppelin', {}],
    ['or', 'billing or search', {}],
    ['an exclusion', 'billing -review', {}],
    ['a task key', 'PLAN-7', {}],
    ['the next page (after a cursor position)', 'deploy', { after: position }],
    ['one project', 'deploy', { projectId: '' }],
  ];

  // Both ways to a kind's candidates are in every plan (a probe picks one as the statement runs):
  // the GIN indexes for a rare term, the recency indexes for a common one's most recent matches.
  it.each(cases)('answers %s from the GIN and recency indexes', async (_name, q, options) => {
    const nodes = await planOf(q, { ...options, ...(options.projectId === '' ? { projectId } : {}) });
    expect(seqScans(nodes)).toEqual([]);
    expect([...indexesUsed(nodes)]).toEqual(
      expect.arrayContaining([
        'tasks_live_search',
        'task_comments_search',
        'tasks_live_by_updated',
        'task_comments_workspace_id_updated_at_id_idx',
      ]),
    );
  });

  it.each(['task', 'comment'] as SearchType[])('answers one type (%s) from its own index only', async (type) => {
    const nodes = await planOf('deploy', { types: [type] });
    expect(seqScans(nodes)).toEqual([]);
    expect([...indexesUsed(nodes)]).toContain(type === 'task' ? 'tasks_live_search' : 'task_comments_search');
    expect([...indexesUsed(nodes)]).not.toContain(type === 'task' ? 'task_comments_search' : 'tasks_live_search');
  });

  /** Scans of the searched tables that read a whole index: a sequential scan in disguise. */
  const fullIndexScans = (nodes: PlanNode[]) =>
    nodes.filter(
      (n) =>
        ['Index Scan', 'Bitmap Index Scan', 'Index Only Scan'].includes(n['Node Type']) &&
        n['Index Cond'] === undefined,
    );

  // With 800 rows the planner would rather filter every live row of the workspace through some
  // other partial index (a full index scan) than open a GIN index; pricing each filter call as
  // the similarity of a whole title costs (cpu_operator_cost 1, not 0.0025) makes it choose as it
  // does on a real workspace's rows (`npm run bench:search` prints that plan on 100 000 tasks).
  it.each([
    ['a misspelled word', 'zepelin', {}],
    ['a misspelled word, next page', 'zepelin', { after: position }],
    ['a misspelled word in one project', 'zepelin', { projectId: '' }],
  ] as [string, string, Partial<SearchRequest>][])(
    'answers the trigram fallback (%s) from the title trigram index',
    async (_name, q, options) => {
      const request = requestFor(q, { ...options, ...(options.projectId === '' ? { projectId } : {}) });
      const nodes = await explain(similarTitlesQuery(request, q), false, true);
      expect(seqScans(nodes)).toEqual([]);
      expect(fullIndexScans(nodes)).toEqual([]);
      expect([...indexesUsed(nodes)]).toEqual(['tasks_live_search_title_trgm']);
    },
  );

  it('sees a Seq Scan for the trigram fallback when the planner may not use indexes', async () => {
    expect(seqScans(await explain(similarTitlesQuery(requestFor('zepelin'), 'zepelin'), true, true))).not.toEqual([]);
  });
});
