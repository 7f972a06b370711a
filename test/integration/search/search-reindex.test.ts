import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DistributedLock, EventsModule, PrismaService, RedisService } from '@groundwork/platform';
import { REINDEX_LOCK, type ReindexProgress, SearchModule, SearchReindexer, SearchService } from '@groundwork/search';
import { ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

/** `npm run search:reindex` on PostgreSQL: progress, the language switch, one run at a time. */
describe('search reindex on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let reindexer: SearchReindexer;
  let lock: DistributedLock;
  let search: SearchService;
  let arrange: WorkArrangement;
  let ws: { id: string; owner: string };
  let taskId: string;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule, SearchModule] });
    const prisma = moduleRef.get(PrismaService);
    lock = new DistributedLock(moduleRef.get(RedisService).client);
    reindexer = new SearchReindexer(prisma, lock);
    search = moduleRef.get(SearchService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    ws = await arrange.workspace();
    const project = await moduleRef
      .get(ProjectsService)
      .create(ws.id, actor(ws.owner, 'owner'), { name: 'R', key: 'RE' });
    taskId = (
      await moduleRef
        .get(TasksService)
        .create(ws.id, actor(ws.owner, 'owner'), { projectId: project.id, title: 'Running reindexes' })
    ).id;
  });

  afterAll(async () => {
    await reindexer.run('english', () => undefined);
    await arrange.cleanUp();
    await moduleRef.close();
  });

  const find = async (q: string) =>
    (await search.search(ws.id, { q, types: ['task'], limit: 20 })).data.map((h) => h.id);

  it('rewrites every vector with the configured language’s stemming, reporting progress', async () => {
    const progress: ReindexProgress[] = [];
    const simple = await reindexer.run('simple', (p) => progress.push(p));
    expect(simple).toMatchObject({ kind: 'done', language: 'simple' });
    expect(progress[0]).toEqual({ table: 'tasks', done: 0, total: expect.any(Number) });
    const lastTasks = progress.filter((p) => p.table === 'tasks').at(-1)!;
    expect(lastTasks.done).toBe(lastTasks.total);
    expect(progress.some((p) => p.table === 'task_comments')).toBe(true);
    // No stemming: only the word as written matches. (Two words: one word that full text
    // misses would go to the trigram fallback, which finds "Running" by its similarity.)
    expect(await find('run reindexes ')).toEqual([]);
    expect(await find('running reindexes ')).toEqual([taskId]);

    await reindexer.run('english', () => undefined);
    expect(await find('run reindex ')).toEqual([taskId]);
  });

  it('refuses to run while another run (on any replica) holds the lock', async () => {
    const held = await lock.acquire(REINDEX_LOCK, 30_000);
    expect(held).toBeDefined();
    try {
      expect(await reindexer.run('english', () => undefined)).toEqual({ kind: 'already-running' });
    } finally {
      await held!.release();
    }
    expect(await reindexer.run('english', () => undefined)).toMatchObject({ kind: 'done' });
  });
});
