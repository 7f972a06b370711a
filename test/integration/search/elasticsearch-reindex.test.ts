import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DistributedLock, EventsModule, PrismaService, RedisService } from '@groundwork/platform';
import {
  documentId,
  ElasticsearchIndexes,
  ElasticsearchReindexer,
  indexDefinition,
  REINDEX_LOCK,
  type ReindexProgress,
  SearchDocuments,
} from '@groundwork/search';
import { CommentsService, ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { VersionedElasticsearch } from '../../support/versioned-elasticsearch.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

const ALIAS = 'groundwork-test';
const OLD = `${ALIAS}-20261201t000000000z`;
const NEW = `${ALIAS}-20261207t120000000z`;

/**
 * `npm run search:reindex` with SEARCH_DRIVER=elasticsearch, against Elastic's official client
 * mock (no Elasticsearch server runs here): a new index behind the building alias, every row
 * copied with its version, then the alias moved in one atomic request and the old index deleted.
 */
describe('search reindex on Elasticsearch', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let lock: DistributedLock;
  let arrange: WorkArrangement;
  let taskId: string;
  let commentId: string;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule] });
    prisma = moduleRef.get(PrismaService);
    lock = new DistributedLock(moduleRef.get(RedisService).client);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    const ws = await arrange.workspace();
    const owner = actor(ws.owner, 'owner');
    const project = await moduleRef.get(ProjectsService).create(ws.id, owner, { name: 'Re', key: 'REX' });
    taskId = (await moduleRef.get(TasksService).create(ws.id, owner, { projectId: project.id, title: 'Reindexed' })).id;
    commentId = (await moduleRef.get(CommentsService).create(ws.id, taskId, owner, 'Reindexed comment')).id;
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  const reindexerOf = (cluster: VersionedElasticsearch) =>
    new ElasticsearchReindexer(
      cluster.es.client,
      new ElasticsearchIndexes(cluster.es.client, ALIAS, lock),
      new SearchDocuments(prisma),
      lock,
      () => new Date('2026-12-07T12:00:00.000Z'),
    );

  it('builds a new index with the language’s analyzers, copies every row with its version, then swaps the alias atomically and drops the old index', async () => {
    const cluster = new VersionedElasticsearch();
    cluster.addIndex(OLD, ALIAS);
    const progress: ReindexProgress[] = [];

    const outcome = await reindexerOf(cluster).run('german', (p) => progress.push(p));

    const tasks = await prisma.task.count();
    const comments = await prisma.taskComment.count();
    expect(outcome).toEqual({ kind: 'done', tasks, comments, language: 'german' });
    const bulks = Math.ceil(tasks / 1000) + Math.ceil(comments / 1000);
    expect(cluster.es.lines()).toEqual([
      `GET /_alias/${ALIAS}-building`,
      `PUT /${NEW}`,
      ...Array.from({ length: bulks }, () => 'POST /_bulk'),
      `GET /${NEW}/_refresh`,
      `GET /_alias/${ALIAS}`,
      'POST /_aliases',
      `DELETE /${OLD}`,
    ]);
    expect(cluster.es.requests[1]!.body).toEqual({
      ...indexDefinition('german'),
      aliases: { [`${ALIAS}-building`]: {} },
    });
    expect(cluster.es.requests.find((r) => r.path === '/_aliases')!.body).toEqual({
      actions: [
        { remove: { index: OLD, alias: ALIAS } },
        { add: { index: NEW, alias: ALIAS } },
        { remove: { index: NEW, alias: `${ALIAS}-building` } },
      ],
    });
    // Every bulk line of the copy targets the new index with the row's external version.
    const lines = cluster.es.requests.filter((r) => r.path === '/_bulk').flatMap((r) => r.body as object[]);
    expect(lines.filter((line) => 'index' in line)).toHaveLength(tasks + comments);
    expect(cluster.document(NEW, documentId('task', taskId))).toMatchObject({
      version: 2,
      source: { title: 'Reindexed' },
    });
    expect(cluster.document(NEW, documentId('comment', commentId))).toMatchObject({ version: 2 });
    expect([...cluster.aliases]).toEqual([[NEW, new Set([ALIAS])]]);
    expect(progress[0]).toEqual({ table: 'tasks', done: 0, total: tasks });
    expect(progress.at(-1)).toEqual({ table: 'task_comments', done: comments, total: comments });
  });

  it('removes the index a crashed run left behind the building alias before building anew', async () => {
    const cluster = new VersionedElasticsearch();
    cluster.addIndex(OLD, ALIAS);
    cluster.addIndex(`${ALIAS}-20261206t000000000z`, `${ALIAS}-building`);

    await reindexerOf(cluster).run('english', () => undefined);

    expect(cluster.es.lines().slice(0, 3)).toEqual([
      `GET /_alias/${ALIAS}-building`,
      `DELETE /${ALIAS}-20261206t000000000z`,
      `PUT /${NEW}`,
    ]);
    expect([...cluster.aliases.keys()]).toEqual([NEW]);
  });

  it('refuses to run while another run (on any replica) holds the lock, and sends nothing', async () => {
    const cluster = new VersionedElasticsearch();
    const held = await lock.acquire(REINDEX_LOCK, 30_000);
    try {
      expect(await reindexerOf(cluster).run('english', () => undefined)).toEqual({ kind: 'already-running' });
    } finally {
      await held!.release();
    }
    expect(cluster.es.requests).toEqual([]);
  });
});
