import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { eventJobId } from '@groundwork/platform';
import { freePort } from '../support/app-process.js';
import { type Stack, startStack } from '../support/stack.js';
import { taskCreated } from '../support/task-created-event.js';
import { eventually } from '../support/wait.js';

/**
 * The `search-index` outbox consumer is subscribed only with SEARCH_DRIVER=elasticsearch: with
 * PostgreSQL the vectors are written by triggers with the rows, so a write enqueues no indexing
 * job and the worker runs no processor for the queue. Built worker processes, real PostgreSQL
 * and Redis; no Elasticsearch server runs here, so with that driver the jobs are enqueued and
 * attempted against a port nothing listens on (and retried).
 */
describe('the search-index consumer follows SEARCH_DRIVER', () => {
  let stack: Stack;
  let db: pg.Pool;

  beforeAll(async () => {
    stack = await startStack({ label: 'search-consumer', mail: 'files', env: { LOG_LEVEL: 'info' } });
    ({ db } = stack);
  });

  afterEach(async () => {
    await stack.stopApps();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Commits a `task.created` event as the work context would; returns its id. */
  async function commitTaskCreated(): Promise<string> {
    const event = taskCreated('00000000-0000-7000-8000-000000000001');
    await db.query(
      `INSERT INTO outbox_events (id, type, version, visibility, workspace_id, occurred_at, data)
       VALUES ($1, $2, $3, 'public', $4, clock_timestamp(), $5)`,
      [event.id, event.type, event.version, event.workspaceId, JSON.stringify(event.data)],
    );
    return event.id;
  }

  async function relayed(eventId: string): Promise<boolean> {
    const { rows } = await db.query('SELECT 1 FROM outbox_events WHERE id = $1 AND relayed_at IS NOT NULL', [eventId]);
    return rows.length === 1;
  }

  /** The `queue workers started` log line's lists. */
  function startedQueues(logs: string): { queues: string[]; idle?: string[] } {
    const line = logs.split('\n').find((l) => l.includes('"queue workers started"'));
    if (line === undefined) throw new Error('no "queue workers started" line');
    return JSON.parse(line) as { queues: string[]; idle?: string[] };
  }

  it('with PostgreSQL a task event enqueues no search-index job and the queue has no running worker', async () => {
    const prefix = `${stack.redisKeyPrefix}:postgres`;
    const worker = await stack.start('worker', { env: { REDIS_KEY_PREFIX: prefix, SEARCH_DRIVER: 'postgres' } });
    await worker.waitForOutput(() => worker.logs.includes('"queue workers started"'));
    const eventId = await commitTaskCreated();

    // The relay handled the event: the real-time queue, subscribed to it, got its job.
    await eventually(() => relayed(eventId), 10_000);
    expect(await stack.queue('realtime', { prefix }).getJob(eventJobId('realtime', eventId))).toBeDefined();
    // The search-index queue got nothing, and no worker takes from it.
    const searchIndex = stack.queue('search-index', { prefix });
    expect(await searchIndex.getJob(eventJobId('search-index', eventId))).toBeUndefined();
    expect(Object.values(await searchIndex.getJobCounts()).every((n) => n === 0)).toBe(true);
    // Closed at start: its connections leave Redis's client list.
    await eventually(async () => (await searchIndex.getWorkersCount()) === 0, 10_000);
    const started = startedQueues(worker.logs);
    expect(started.queues).not.toContain('search-index');
    expect(started.queues).toContain('realtime');
    expect(started.idle).toEqual(['search-index']);
  }, 60_000);

  it('with Elasticsearch the same event is enqueued on search-index and its worker takes it', async () => {
    const prefix = `${stack.redisKeyPrefix}:elasticsearch`;
    const nowhere = await freePort();
    const worker = await stack.start('worker', {
      env: {
        REDIS_KEY_PREFIX: prefix,
        SEARCH_DRIVER: 'elasticsearch',
        ELASTICSEARCH_URL: `http://127.0.0.1:${nowhere}`,
      },
    });
    await worker.waitForOutput(() => worker.logs.includes('"queue workers started"'));
    const eventId = await commitTaskCreated();

    await eventually(() => relayed(eventId), 10_000);
    const searchIndex = stack.queue('search-index', { prefix });
    // Attempted by the running worker (and failed: no Elasticsearch listens there, so retried).
    const job = await eventually(async () => {
      const found = await searchIndex.getJob(eventJobId('search-index', eventId));
      return found !== undefined && found.attemptsStarted >= 1 ? found : undefined;
    }, 20_000);
    expect(job.name).toBe('task.created');
    expect(await searchIndex.getWorkersCount()).toBeGreaterThan(0);
    const started = startedQueues(worker.logs);
    expect(started.queues).toContain('search-index');
    expect(started.idle).toBeUndefined();
  }, 60_000);
});
