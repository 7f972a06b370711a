import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { eventJobId, newId } from '@groundwork/platform';
import type { AppProcess } from '../support/app-process.js';
import { REDIS_URL, type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';

type JobEventName = 'added' | 'completed' | 'duplicated';

/**
 * The outbox relay as deployed: built worker processes against real PostgreSQL and Redis.
 * This file has its own database: a worker relays every unrelayed row it can see, so sharing
 * the run's database would let it take (and let other files' workers take) foreign events.
 */
describe('outbox relay (worker processes)', () => {
  let stack: Stack;
  let db: pg.Pool;
  let redis: Redis;
  let mailDir: string;

  beforeAll(async () => {
    // No SMTP server: mails become .eml files in a folder the stack owns.
    stack = await startStack({ label: 'relay', mail: 'files', env: { LOG_LEVEL: 'warn' } });
    ({ db, mailDir } = stack);
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await stack.stopApps();
  });

  afterAll(async () => {
    redis.disconnect();
    await stack?.stop();
  });

  /** Workers of one test, on a Redis prefix of the test's own (under the stack's). */
  function startWorkers(count: number, prefix: string, env: Record<string, string> = {}): Promise<AppProcess[]> {
    return Promise.all(
      Array.from({ length: count }, () => stack.start('worker', { env: { REDIS_KEY_PREFIX: prefix, ...env } })),
    );
  }

  function emailQueue(prefix: string): Queue {
    return stack.queue('email', { prefix });
  }

  /** Reads the queue's event stream from its start, so no event can slip by before we listen. */
  function emailQueueEvents(prefix: string): Promise<QueueEvents> {
    return stack.queueEvents('email', { prefix });
  }

  /** Resolves with the time the job's event was seen; rejects after `timeoutMs`. */
  function nextJobEvent(events: QueueEvents, name: JobEventName, jobId: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const listener = (args: { jobId: string }) => {
        if (args.jobId !== jobId) return;
        clearTimeout(timer);
        events.off(name, listener);
        resolve(Date.now());
      };
      const timer = setTimeout(() => {
        events.off(name, listener);
        reject(new Error(`no "${name}" event for job ${jobId} within ${timeoutMs} ms`));
      }, timeoutMs);
      events.on(name, listener);
    });
  }

  /** Commits `user.registered` events the way a producer would, in one transaction. */
  async function insertEvents(events: { id: string; userId: string }[]): Promise<void> {
    await db.query(
      `INSERT INTO outbox_events (id, type, version, visibility, occurred_at, data)
       SELECT e.id, 'user.registered', 1, 'internal', clock_timestamp(), jsonb_build_object('userId', e.user_id)
       FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS e(id, user_id, n)
       ORDER BY e.n`,
      [events.map((e) => e.id), events.map((e) => e.userId)],
    );
  }

  async function unrelayed(ids: string[]): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox_events WHERE id = ANY($1::uuid[]) AND relayed_at IS NULL',
      [ids],
    );
    return rows[0]!.n;
  }

  async function relayedTotal(worker: AppProcess): Promise<number> {
    const text = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('outbox_events_relayed_total{'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  /** Counts the queue's stream events of one kind, as BullMQ wrote them. */
  async function streamEvents(prefix: string, event: string): Promise<string[]> {
    const entries = await redis.xrange(`${prefix}:bull:email:events`, '-', '+');
    return entries.flatMap(([, fields]) => {
      const map = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
      return map.get('event') === event ? [map.get('jobId') ?? ''] : [];
    });
  }

  it('two workers relay a backlog of 1,000 events once each: 1,000 distinct email jobs, 1,000 relays in total', async () => {
    const prefix = `${stack.redisKeyPrefix}:backlog`;
    // Users that do not exist: the email consumer looks each up and skips it, quickly.
    const events = Array.from({ length: 1000 }, () => ({ id: newId(), userId: newId() }));
    const ids = events.map((e) => e.id);
    await insertEvents(events);
    const queue = emailQueue(prefix);

    // Small batches: the two workers take turns claiming rows of the same backlog.
    const [first, second] = await startWorkers(2, prefix, { OUTBOX_BATCH_SIZE: '25' });

    await eventually(async () => (await unrelayed(ids)) === 0, 30_000, 100);
    await eventually(
      async () => {
        const { completed, failed } = await queue.getJobCounts('completed', 'failed');
        return completed + failed === 1000;
      },
      30_000,
      100,
    );

    const counts = await queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(counts.completed).toBe(1000);
    const jobs: Job[] = await queue.getJobs(['completed'], 0, -1);
    const expectedIds = ids.map((id) => eventJobId('email', id));
    expect(expectedIds[0]).toBe(`email_${ids[0]}`);
    expect(jobs.map((j) => j.id).sort()).toEqual([...expectedIds].sort());
    // Each job was started once by the consumer, and each carries its own event.
    expect(jobs.filter((j) => j.attemptsStarted !== 1).map((j) => j.id)).toEqual([]);
    expect(jobs.filter((j) => j.returnvalue !== 'skipped').map((j) => j.id)).toEqual([]);
    expect(new Set(jobs.map((j) => (j.data as { event: { id: string } }).event.id)).size).toBe(1000);

    // Relayed once each, not merely deduplicated by job id: the relays sum to 1,000 and no
    // enqueue ever hit an existing job.
    const perWorker = await Promise.all([relayedTotal(first!), relayedTotal(second!)]);
    expect(perWorker[0]! + perWorker[1]!).toBe(1000);
    // Both took part: the backlog really was shared between them.
    expect(Math.min(...perWorker)).toBeGreaterThan(0);
    expect(await streamEvents(prefix, 'duplicated')).toEqual([]);
    expect(new Set(await streamEvents(prefix, 'added')).size).toBe(1000);
  }, 90_000);

  it('is woken by NOTIFY: with a 60 s poll interval, each event committed while it runs is enqueued within 2 s', async () => {
    const prefix = `${stack.redisKeyPrefix}:notify`;
    const [worker] = await startWorkers(1, prefix, { OUTBOX_POLL_INTERVAL_MS: '60000' });
    const events = await emailQueueEvents(prefix);
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'groundwork-relay' AND query ILIKE 'LISTEN%'`,
        [stack.databaseName],
      );
      return rows[0]!.n === 1;
    }, 10_000);

    // Three in a row: after the first, the relay sleeps its 60 s poll; only NOTIFY can wake it.
    const delays: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const event = { id: newId(), userId: newId() };
      const added = nextJobEvent(events, 'added', eventJobId('email', event.id), 2000);
      await insertEvents([event]);
      const committedAt = Date.now();
      delays.push((await added) - committedAt);
      await eventually(async () => (await unrelayed([event.id])) === 0, 2000, 20);
    }

    expect(delays.every((ms) => ms < 2000)).toBe(true);
    expect(await relayedTotal(worker!)).toBe(3);
  }, 60_000);

  it('a replayed event enqueues no second job and the consumer does not mail twice', async () => {
    const prefix = `${stack.redisKeyPrefix}:replay`;
    const user = { id: newId(), email: `replay-${Date.now()}@example.test`, name: 'Replay' };
    await db.query('INSERT INTO users (id, email, name, updated_at) VALUES ($1, $2, $3, now())', [
      user.id,
      user.email,
      user.name,
    ]);
    const eventId = newId();
    const jobId = eventJobId('email', eventId);
    const queue = emailQueue(prefix);
    const events = await emailQueueEvents(prefix);
    const completed = nextJobEvent(events, 'completed', jobId, 20_000);
    await insertEvents([{ id: eventId, userId: user.id }]);
    const [worker] = await startWorkers(1, prefix, { OUTBOX_POLL_INTERVAL_MS: '200' });
    await completed;

    const effects = async () => {
      const sent = await db.query('SELECT 1 FROM sent_emails WHERE event_id = $1', [eventId]);
      const tokens = await db.query('SELECT 1 FROM email_verification_tokens WHERE user_id = $1', [user.id]);
      const files = await readdir(mailDir);
      const contents = await Promise.all(files.map((f) => readFile(path.join(mailDir, f), 'utf8')));
      const mails = contents.filter((mail) => mail.includes(user.email));
      return { sent: sent.rowCount, tokens: tokens.rowCount, mails: mails.length };
    };
    const before = await queue.getJob(jobId);
    expect(before?.returnvalue).toBe('sent');
    expect(await effects()).toEqual({ sent: 1, tokens: 1, mails: 1 });

    // Replay: the row looks unrelayed again; the relay's fallback poll picks it up.
    const duplicated = nextJobEvent(events, 'duplicated', jobId, 10_000);
    await db.query('UPDATE outbox_events SET relayed_at = NULL WHERE id = $1', [eventId]);
    await duplicated;
    await eventually(async () => (await unrelayed([eventId])) === 0, 5000, 20);

    const after = await queue.getJob(jobId);
    expect(await after?.getState()).toBe('completed');
    expect({
      processedOn: after?.processedOn,
      finishedOn: after?.finishedOn,
      attemptsStarted: after?.attemptsStarted,
    }).toEqual({ processedOn: before?.processedOn, finishedOn: before?.finishedOn, attemptsStarted: 1 });
    expect(Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0)).toBe(1);
    expect(await effects()).toEqual({ sent: 1, tokens: 1, mails: 1 });
    // It was relayed twice; the job id made the second relay a no-op.
    expect(await relayedTotal(worker!)).toBe(2);
  }, 60_000);
});
