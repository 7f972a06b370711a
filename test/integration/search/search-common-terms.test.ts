import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { EventsModule, PrismaService } from '@groundwork/platform';
import {
  hitsQuery,
  PostgresSearchEngine,
  SearchModule,
  SearchService,
  type SearchHit,
  toSearchText,
} from '@groundwork/search';
import { CommentsService, ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

interface AnalyzedNode {
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'Actual Loops': number;
  Plans?: AnalyzedNode[];
}

const nodesOf = (node: AnalyzedNode): AnalyzedNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * A term found in many of a kind's most recent items is common: its candidates are walked down
 * the recency indexes instead of read from the GIN indexes (docs/search.md). With fewer items
 * than the walk's bounds the answer is the same as ranking every match; these tests check that
 * this way, too, keeps to live content, the project and the cursor, and that it is the way taken.
 */
describe('search for a common term (the recency walk)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let search: SearchService;
  let arrange: WorkArrangement;
  let workspaceId: string;
  const projects: string[] = [];
  const liveTasks: Record<string, string[]> = {};
  const liveComments: Record<string, string[]> = {};
  const deleted: string[] = [];

  const find = (q: string, extra: Partial<Parameters<SearchService['search']>[1]> = {}) =>
    search.search(workspaceId, { q, types: ['task', 'comment'], limit: 100, ...extra });
  const ids = (page: { data: SearchHit[] }) => page.data.map((hit) => hit.id);

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule, SearchModule] });
    prisma = moduleRef.get(PrismaService);
    search = moduleRef.get(SearchService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    const ws = await arrange.workspace();
    workspaceId = ws.id;
    const owner = actor(ws.owner, 'owner');
    const tasks = moduleRef.get(TasksService);
    const comments = moduleRef.get(CommentsService);
    for (const key of ['ALPHA', 'BETA']) {
      const project = await moduleRef.get(ProjectsService).create(ws.id, owner, { name: key, key });
      projects.push(project.id);
      liveTasks[project.id] = [];
      liveComments[project.id] = [];
    }
    // 24 tasks and their comments, all with the word: every item is a match, so the probe of the
    // most recent ones finds it common. Every sixth task is then deleted, its comment with it.
    for (let i = 0; i < 24; i += 1) {
      const projectId = projects[i % 2]!;
      const task = await tasks.create(ws.id, owner, { projectId, title: `Frequent widget ${i}` });
      const comment = await comments.create(ws.id, task.id, owner, `A frequent remark ${i}`);
      if (i % 6 === 0) {
        await tasks.delete(ws.id, task.id, owner, task.version);
        deleted.push(task.id, comment.id);
      } else {
        liveTasks[projectId]!.push(task.id);
        liveComments[projectId]!.push(comment.id);
      }
    }
  }, 60_000);

  afterAll(async () => {
    await prisma.$executeRaw`DELETE FROM tasks WHERE workspace_id = ${workspaceId}::uuid`;
    await arrange.cleanUp();
    await moduleRef.close();
  });

  it('is answered by the recency walk, the GIN branches never run', async () => {
    const request = { workspaceId, text: toSearchText('frequent'), types: ['task', 'comment'] as const, limit: 21 };
    const tsquery = await new PostgresSearchEngine(prisma).tsquery(request.text);
    const statement = hitsQuery({ ...request, types: [...request.types] }, tsquery!);
    const [row] = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: AnalyzedNode }] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
      ...statement.values,
    );
    const nodes = nodesOf(row!['QUERY PLAN'][0].Plan);
    const ran = (node: AnalyzedNode) => node['Actual Loops'] > 0;
    // The probes and the walks filter with ts_match_vq (two of each); the GIN branches look the
    // term up with @@ (as an index condition or, on a tiny workspace, a filter: which indexes the
    // plan reads varies with the tables' statistics).
    const walked = nodes.filter((node) => node.Filter?.includes('ts_match_vq') === true);
    const lookedUp = nodes.filter((node) =>
      `${node['Index Cond'] ?? ''} ${node['Recheck Cond'] ?? ''} ${node.Filter ?? ''}`.includes('@@'),
    );
    expect(walked).toHaveLength(4);
    expect(walked.filter(ran)).toHaveLength(4);
    expect(lookedUp.length).toBeGreaterThanOrEqual(2);
    expect(lookedUp.filter(ran)).toEqual([]);
  });

  it('finds every live task and comment with the word, tasks (title matches) first, none of a deleted task', async () => {
    const found = ids(await find('frequent'));
    const tasks = projects.flatMap((p) => liveTasks[p]!);
    const comments = projects.flatMap((p) => liveComments[p]!);
    expect(new Set(found.slice(0, tasks.length))).toEqual(new Set(tasks));
    expect(new Set(found.slice(tasks.length))).toEqual(new Set(comments));
    expect(found.filter((id) => deleted.includes(id))).toEqual([]);
  });

  it('keeps to one project, its tasks and their comments', async () => {
    const [, beta] = projects;
    expect(new Set(ids(await find('frequent', { projectId: beta })))).toEqual(
      new Set([...liveTasks[beta!]!, ...liveComments[beta!]!]),
    );
  });

  it('pages with a cursor through every hit exactly once, in rank order', async () => {
    const all = ids(await find('frequent'));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await find('frequent', { limit: 7, cursor });
      seen.push(...ids(page));
      cursor = page.page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all);
  });
});
