import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DistributedLock, type EventEnvelopeOf, EventsModule, PrismaService, RedisService } from '@groundwork/platform';
import {
  documentId,
  ElasticsearchIndexer,
  ElasticsearchIndexes,
  indexDefinition,
  REINDEX_LOCK,
  REMOVED_VERSION,
  SearchDocuments,
  type SearchIndexEvent,
  SearchIndexing,
  SearchIndexingError,
  SearchIndexingModule,
  SearchIndexNotReadyError,
} from '@groundwork/search';
import { CommentsService, ProjectsService, TasksService, WorkModule } from '@groundwork/work';
import { WorkspacesService } from '@groundwork/workspaces';
import { platformTestingModule } from '../../support/platform-context.js';
import { VersionedElasticsearch } from '../../support/versioned-elasticsearch.js';
import { actor, WorkArrangement } from '../work/work-fixtures.js';

const ALIAS = 'groundwork-test';
const INDEX = `${ALIAS}-20261207t100000000z`;

/**
 * The Elasticsearch indexer as the outbox consumer runs it: rows written by the work context's
 * own services in the real database, events shaped as the outbox hands them over, and Elastic's
 * official client mock answering as a cluster with external versioning would (no Elasticsearch
 * server runs here). What is asserted: the exact bulk requests, and that of any two writes of a
 * document the newer state wins, whatever their order.
 */
describe('indexing into Elasticsearch from the outbox', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let lock: DistributedLock;
  let tasks: TasksService;
  let comments: CommentsService;
  let projects: ProjectsService;
  let arrange: WorkArrangement;
  let ws: { id: string; owner: string; others: string[] };
  let cluster: VersionedElasticsearch;
  let indexer: ElasticsearchIndexer;

  const owner = () => actor(ws.owner, 'owner');
  const event = <T extends SearchIndexEvent>(type: T, data: EventEnvelopeOf<T>['data']): EventEnvelopeOf<T> =>
    ({
      id: randomUUID(),
      type,
      version: 1,
      visibility: 'public',
      workspaceId: ws.id,
      actorId: ws.owner,
      occurredAt: new Date().toISOString(),
      data,
      requestId: null,
      traceparent: null,
      tracestate: null,
    }) as EventEnvelopeOf<T>;
  const bulkBodies = () => cluster.es.requests.filter((r) => r.path === '/_bulk').map((r) => r.body);
  const stored = (type: 'task' | 'comment', id: string) => cluster.document(INDEX, documentId(type, id));

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [EventsModule, WorkModule, SearchIndexingModule] });
    prisma = moduleRef.get(PrismaService);
    lock = new DistributedLock(moduleRef.get(RedisService).client);
    tasks = moduleRef.get(TasksService);
    comments = moduleRef.get(CommentsService);
    projects = moduleRef.get(ProjectsService);
    arrange = new WorkArrangement(prisma, moduleRef.get(WorkspacesService));
    ws = await arrange.workspace();
  });

  beforeEach(() => {
    cluster = new VersionedElasticsearch();
    cluster.addIndex(INDEX, ALIAS);
    indexer = new ElasticsearchIndexer(
      new SearchDocuments(prisma),
      new ElasticsearchIndexes(cluster.es.client, ALIAS, lock),
      'english',
    );
  });

  afterAll(async () => {
    await arrange.cleanUp();
    await moduleRef.close();
  });

  it('writes a new task as one bulk request, its version (task + project) as an external version', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Platform', key: 'PLAT' });
    const task = await tasks.create(ws.id, owner(), {
      projectId: project.id,
      title: 'Deploy <b>pipeline</b> \uE004forged\uE005',
      description: 'Rollout notes',
      labels: ['ops'],
    });

    expect(await indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }))).toBe(
      'written 1, stale 0, absent 0',
    );
    expect(cluster.es.lines()).toEqual([`GET /_alias/${ALIAS},${ALIAS}-building`, 'POST /_bulk']);
    expect(bulkBodies()).toEqual([
      [
        { index: { _index: INDEX, _id: `task-${task.id}`, version: 2, version_type: 'external' } },
        {
          type: 'task',
          id: task.id,
          workspace_id: ws.id,
          project_id: project.id,
          task_id: task.id,
          live: true,
          updated_at: task.updatedAt.toISOString(),
          task_title: 'Deploy <b>pipeline</b> forged',
          title: 'Deploy <b>pipeline</b> forged',
          labels: ['ops'],
          key: 'PLAT-1',
          description: 'Rollout notes',
        },
      ],
    ]);
  });

  it('raises a document’s version with every change it holds: an edit, the project’s key, a comment’s edit, its task’s title', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Versions', key: 'VER' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Versioned task' });
    const comment = await comments.create(ws.id, task.id, owner(), 'A first comment');
    await indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }));
    await indexer.apply(event('comment.created', { commentId: comment.id, taskId: task.id }));
    expect(stored('task', task.id)?.version).toBe(2);
    expect(stored('comment', comment.id)?.version).toBe(2);

    const edited = await tasks.update(ws.id, task.id, owner(), task.version, { title: 'Renamed task' });
    await indexer.apply(event('task.updated', { taskId: task.id, fields: ['title'] }));
    expect(stored('task', task.id)).toMatchObject({ version: 3, source: { title: 'Renamed task' } });
    // The comment shows its task's title: rewritten with the task, at a higher version.
    expect(stored('comment', comment.id)).toMatchObject({ version: 3, source: { task_title: 'Renamed task' } });

    const moved = await projects.update(ws.id, project.id, owner(), project.version, { key: 'VRS' });
    await indexer.apply(event('project.updated', { projectId: project.id, fields: ['key'] }));
    expect(stored('task', task.id)).toMatchObject({
      version: edited.version + moved.version,
      source: { key: 'VRS-1' },
    });

    await comments.update(ws.id, task.id, comment.id, owner(), 'An edited comment');
    await indexer.apply(event('comment.updated', { commentId: comment.id, taskId: task.id }));
    expect(stored('comment', comment.id)).toMatchObject({ version: 4, source: { body: 'An edited comment' } });

    cluster.es.clear();
    expect(await indexer.apply(event('project.updated', { projectId: project.id, fields: ['name'] }))).toBe(
      'skipped: the key did not change',
    );
    expect(bulkBodies()).toEqual([]);
  });

  it('writes the same state when an event comes twice; the repeat is refused as stale, which is not a failure', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Twice', key: 'TWO' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Delivered twice' });
    const created = event('task.created', { taskId: task.id, projectId: project.id, number: 1 });

    expect(await indexer.apply(created)).toBe('written 1, stale 0, absent 0');
    expect(await indexer.apply(created)).toBe('written 0, stale 1, absent 0');
    const [first, second] = bulkBodies();
    expect(second).toEqual(first);
    expect(stored('task', task.id)).toMatchObject({ version: 2, source: { title: 'Delivered twice' } });
  });

  it('never lets a late write of an older state replace a newer one', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Race', key: 'RACE' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Old title' });
    const documents = new SearchDocuments(prisma);
    const indexes = new ElasticsearchIndexes(cluster.es.client, ALIAS, lock);
    // One job reads the task, then stalls; meanwhile the task changes and another job indexes it.
    const [old] = await documents.tasks(ws.id, { ids: [task.id] });
    await tasks.update(ws.id, task.id, owner(), task.version, { title: 'New title' });
    await indexer.apply(event('task.updated', { taskId: task.id, fields: ['title'] }));
    // The stalled job's write arrives last: refused by its version.
    expect(await indexes.bulk([INDEX], [{ kind: 'index', document: old! }])).toEqual({
      written: 0,
      stale: 1,
      absent: 0,
    });
    expect(stored('task', task.id)).toMatchObject({ version: 3, source: { title: 'New title' } });

    // An older event handled after a newer one reads the row as it is now: nothing goes back.
    await indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }));
    expect(stored('task', task.id)).toMatchObject({ version: 3, source: { title: 'New title' } });
  });

  it('keeps a deleted task and its comments as documents that are not live, and makes them live again on restore', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Bin', key: 'BIN' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Deleted then restored' });
    const comment = await comments.create(ws.id, task.id, owner(), 'Comment of a deleted task');
    await indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }));
    await indexer.apply(event('comment.created', { commentId: comment.id, taskId: task.id }));

    await tasks.delete(ws.id, task.id, owner(), task.version);
    await indexer.apply(event('task.deleted', { taskId: task.id }));
    expect(stored('task', task.id)).toMatchObject({ version: 3, source: { live: false } });
    expect(stored('comment', comment.id)).toMatchObject({ version: 3, source: { live: false } });

    await tasks.restore(ws.id, task.id, owner());
    await indexer.apply(event('task.restored', { taskId: task.id }));
    expect(stored('task', task.id)).toMatchObject({ version: 4, source: { live: true } });
    expect(stored('comment', comment.id)).toMatchObject({ version: 4, source: { live: true } });
  });

  it('removes a deleted comment at a version above any the row reaches, so a racing write of it is refused', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Gone', key: 'GONE' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Task with a deleted comment' });
    const comment = await comments.create(ws.id, task.id, owner(), 'To be deleted');
    const [read] = await new SearchDocuments(prisma).comments(ws.id, { ids: [comment.id] });
    await comments.delete(ws.id, task.id, comment.id, owner());

    cluster.es.clear();
    expect(await indexer.apply(event('comment.deleted', { commentId: comment.id, taskId: task.id }))).toBe(
      'written 0, stale 0, absent 1',
    );
    expect(bulkBodies()).toEqual([
      [{ delete: { _index: INDEX, _id: `comment-${comment.id}`, version: REMOVED_VERSION, version_type: 'external' } }],
    ]);
    // The comment.created job that read the row before its deletion writes last: refused.
    const late = await new ElasticsearchIndexes(cluster.es.client, ALIAS, lock).bulk(
      [INDEX],
      [{ kind: 'index', document: read! }],
    );
    expect(late.stale).toBe(1);
    expect(stored('comment', comment.id)).toBeUndefined();
  });

  it('removes a deleted project’s documents, and a deleted workspace’s, by query within the workspace', async () => {
    const projectId = randomUUID();
    cluster.es.clear();
    expect(await indexer.apply(event('project.deleted', { projectId }))).toBe('removed 0 documents');
    await indexer.apply(event('workspace.deleted', { workspaceId: ws.id } as never));
    const byQuery = cluster.es.requests.filter((r) => r.path.endsWith('/_delete_by_query'));
    expect(byQuery).toEqual([
      {
        method: 'POST',
        path: `/${INDEX}/_delete_by_query`,
        querystring: { conflicts: 'proceed' },
        body: { query: { bool: { filter: [{ term: { workspace_id: ws.id } }, { term: { project_id: projectId } }] } } },
      },
      {
        method: 'POST',
        path: `/${INDEX}/_delete_by_query`,
        querystring: { conflicts: 'proceed' },
        body: { query: { bool: { filter: [{ term: { workspace_id: ws.id } }] } } },
      },
    ]);
  });

  it('writes to the index a reindex is building as well, so the new index misses nothing', async () => {
    const next = `${ALIAS}-20261207t110000000z`;
    cluster.addIndex(next, `${ALIAS}-building`);
    const project = await projects.create(ws.id, owner(), { name: 'Both', key: 'BOTH' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Written during a reindex' });

    await indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }));
    const [operations] = bulkBodies() as Record<string, { _index?: string }>[][];
    expect(operations!.filter((line) => 'index' in line).map((line) => line.index!._index)).toEqual([INDEX, next]);
    expect(cluster.document(next, documentId('task', task.id))?.version).toBe(2);
  });

  it('creates the first index, with the language’s analyzers behind the alias, when there is none — once, under the reindex lock', async () => {
    const empty = new VersionedElasticsearch();
    const first = new ElasticsearchIndexer(
      new SearchDocuments(prisma),
      new ElasticsearchIndexes(empty.es.client, ALIAS, lock),
      'english',
    );
    const project = await projects.create(ws.id, owner(), { name: 'First', key: 'FRST' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'The first document' });

    const held = await lock.acquire(REINDEX_LOCK, 10_000);
    await expect(
      first.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 })),
    ).rejects.toBeInstanceOf(SearchIndexNotReadyError);
    await held!.release();

    await first.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 }));
    const create = empty.es.requests.find((r) => r.method === 'PUT')!;
    expect(create.path).toMatch(new RegExp(`^/${ALIAS}-\\d{8}t\\d{9}z$`));
    expect(create.body).toEqual({ ...indexDefinition('english'), aliases: { [ALIAS]: {} } });
    expect(empty.aliases.size).toBe(1);
  });

  it('fails the job when Elasticsearch refuses a write for another reason than its version (the job is retried)', async () => {
    const project = await projects.create(ws.id, owner(), { name: 'Refused', key: 'REF' });
    const task = await tasks.create(ws.id, owner(), { projectId: project.id, title: 'Refused document' });
    cluster.refuse.add(documentId('task', task.id));
    await expect(
      indexer.apply(event('task.created', { taskId: task.id, projectId: project.id, number: 1 })),
    ).rejects.toBeInstanceOf(SearchIndexingError);
  });

  it('has nothing to do with the PostgreSQL engine, whose vectors are written with the rows', async () => {
    const indexing = moduleRef.get(SearchIndexing);
    expect(
      await indexing.handle(event('task.created', { taskId: randomUUID(), projectId: randomUUID(), number: 1 })),
    ).toBe('skipped: PostgreSQL keeps its vectors in the writing transaction');
  });
});
