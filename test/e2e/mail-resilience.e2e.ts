import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { NOTIFICATION_QUEUES } from '@groundwork/notifications';
import type { AppProcess } from '../support/app-process.js';
import { RedisServer } from '../support/redis-server.js';
import type { SmtpTestServer } from '../support/smtp-test-server.js';
import { REDIS_URL, type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
const PASSWORD = 'a perfectly fine passphrase';

/**
 * Mail delivery when things go wrong: no worker, a worker killed mid-backlog, Redis away. The
 * built api and worker processes, real PostgreSQL, Redis and SMTP. This file has its own
 * database, so no other file's worker can relay (and mail) its users, nor its workers theirs.
 */
describe('mail delivery under failure (api, worker, SMTP)', () => {
  let stack: Stack;
  let db: pg.Pool;
  let smtp: SmtpTestServer;
  let privateRedis: RedisServer | undefined;

  beforeAll(async () => {
    stack = await startStack({
      label: 'mailres',
      mail: 'smtp',
      env: { APP_WEB_URL: 'http://web.test', JOB_BACKOFF_MS: '100', LOG_LEVEL: 'warn' },
    });
    ({ db, smtp } = stack);
  }, 60_000);

  afterEach(async () => {
    await stack.stopApps();
    await privateRedis?.stop();
    privateRedis = undefined;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Each test's apps use a prefix of their own, under the stack's; `redisUrl` for a Redis of the test's own. */
  function env(prefix: string, redisUrl = REDIS_URL): Record<string, string> {
    return { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix };
  }

  function start(name: 'api' | 'worker', appEnv: Record<string, string>): Promise<AppProcess> {
    return stack.start(name, { env: appEnv, waitFor: 'ready', timeoutMs: 30_000 });
  }

  function emailQueue(prefix: string, redisUrl = REDIS_URL): Queue {
    return stack.queue('email', { prefix, redisUrl });
  }

  function newEmails(label: string, count: number): string[] {
    const tag = randomBytes(3).toString('hex');
    return Array.from({ length: count }, (_, i) => `${label}-${tag}-${i}@example.test`);
  }

  async function register(api: AppProcess, email: string): Promise<number> {
    const res = await fetch(`${api.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, name: 'Resilient User' }),
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Registers every email, a few at a time (each costs an argon2id hash); returns the statuses. */
  async function registerAll(api: AppProcess, emails: string[], inFlight = 4): Promise<number[]> {
    const statuses: number[] = new Array<number>(emails.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < emails.length) {
          const i = next++;
          statuses[i] = await register(api, emails[i]!);
        }
      }),
    );
    return statuses;
  }

  /** Mails per recipient, for recipients that got other than exactly one. */
  function notExactlyOnce(emails: string[]): Record<string, number> {
    return Object.fromEntries(emails.map((e) => [e, smtp.received(e)] as const).filter(([, n]) => n !== 1));
  }

  function allMailed(emails: string[]): () => boolean {
    return () => emails.every((email) => smtp.received(email) >= 1);
  }

  /** Resolves once every job of the queue has completed (none waiting, active, delayed or failed). */
  async function allCompleted(queue: Queue, count: number, timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => {
        const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed', 'prioritized');
        if (counts.failed) throw new Error(`failed email jobs: ${JSON.stringify(counts)}`);
        return counts.completed === count && counts.waiting + counts.active + counts.delayed + counts.prioritized === 0;
      },
      timeoutMs,
      100,
    );
  }

  /** How many jobs BullMQ's stalled checker took back from a dead worker (the queue's event stream). */
  async function stalledJobEvents(prefix: string): Promise<number> {
    const redis = new Redis(REDIS_URL);
    try {
      const entries = await redis.xrange(`${prefix}:bull:email:events`, '-', '+');
      return entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
    } finally {
      redis.disconnect();
    }
  }

  async function unrelayedEventsFor(emails: string[]): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_events e JOIN users u ON u.id::text = e.data->>'userId'
       WHERE u.email = ANY($1) AND e.type = 'user.registered' AND e.relayed_at IS NULL`,
      [emails],
    );
    return rows[0]!.n;
  }

  it('registrations made while no worker runs are all mailed, once each, when a worker starts', async () => {
    const prefix = `${stack.redisKeyPrefix}:no-worker`;
    const api = await start('api', env(prefix));
    const emails = newEmails('backlog', 20);

    const statuses = await registerAll(api, emails);

    expect(statuses).toEqual(emails.map(() => 201));
    // Nothing could send them: the events wait in the outbox.
    expect(await unrelayedEventsFor(emails)).toBe(20);
    expect(emails.filter((email) => smtp.received(email) > 0)).toEqual([]);

    await start('worker', env(prefix));
    await smtp.waitFor(allMailed(emails), 30_000, 'every backlog user mailed');
    await allCompleted(emailQueue(prefix), 20);
    expect(notExactlyOnce(emails)).toEqual({});
    expect(await unrelayedEventsFor(emails)).toBe(0);
    for (const email of emails) expect(smtp.messagesTo(email)[0]!.subject).toBe('Confirm your email address');
  }, 60_000);

  it('a worker killed with SIGKILL mid-backlog: after a restart every user is mailed, duplicates at most one per job in flight', async () => {
    const prefix = `${stack.redisKeyPrefix}:sigkill`;
    const api = await start('api', env(prefix));
    const emails = newEmails('killed', 200);
    const statuses = await registerAll(api, emails);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    await api.kill();
    const before = smtp.messages.length;
    const queue = emailQueue(prefix);

    const first = await start('worker', env(prefix));
    await smtp.waitFor(() => smtp.messages.length - before >= 30, 30_000, '30 mails before the kill');
    await first.stop('SIGKILL');
    const mailedAtKill = smtp.messages.length - before;
    const activeAtKill = (await queue.getJobCounts('active')).active;
    // The kill landed in the middle of the backlog, with jobs in flight.
    expect(mailedAtKill).toBeLessThan(200);
    expect(activeAtKill).toBeGreaterThan(0);

    const startedAt = Date.now();
    await start('worker', env(prefix));
    // The jobs the killed worker held come back only once BullMQ declares them stalled: their
    // lock (lockDuration, 30 s by default) has expired, then one stalled check marks them and the
    // next one (stalledInterval, 30 s) moves them back to wait. The checks are throttled across
    // workers, so this takes 60 s, sometimes 90 s, after the restart.
    const recoveryMs = 120_000;
    await smtp.waitFor(allMailed(emails), recoveryMs, 'every user mailed after the restart');
    await allCompleted(queue, 200, Math.max(1000, recoveryMs - (Date.now() - startedAt)));
    const recoveredInMs = Date.now() - startedAt;
    const stalled = await stalledJobEvents(prefix);

    const counts = emails.map((email) => smtp.received(email));
    const duplicates = counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    process.stdout.write(
      `[mail-resilience] SIGKILL after ${mailedAtKill} of 200 mails with ${activeAtKill} job(s) active: ` +
        `${duplicates} duplicate mail(s); ${stalled} stalled job(s) re-run; ` +
        `all 200 jobs completed ${recoveredInMs} ms after the restart\n`,
    );
    expect(counts.filter((n) => n === 0)).toEqual([]);
    expect(stalled).toBe(activeAtKill);
    expect(duplicates).toBeLessThanOrEqual(NOTIFICATION_QUEUES.email.concurrency);
    expect(duplicates).toBeLessThanOrEqual(activeAtKill);
    // A repeated message is the same message: same Message-ID, so clients can collapse it.
    for (const email of emails.filter((e) => smtp.received(e) > 1)) {
      expect(new Set(smtp.messagesTo(email).map((mail) => mail.messageId)).size).toBe(1);
    }
  }, 200_000);

  it('with Redis stopped for a few seconds, every registration answers 201 and, once Redis is back, every one is mailed exactly once', async () => {
    const prefix = `${stack.redisKeyPrefix}:redis-down`;
    const redis = await RedisServer.start();
    privateRedis = redis;
    const api = await start('api', env(prefix, redis.url));
    const worker = await start('worker', env(prefix, redis.url));
    // Warm up: the pipeline works end to end before the outage, and holds no unfinished work
    // (this throw-away Redis keeps nothing across a restart).
    const warmUp = newEmails('before-outage', 3);
    expect(await registerAll(api, warmUp)).toEqual([201, 201, 201]);
    await smtp.waitFor(allMailed(warmUp), 20_000, 'warm-up users mailed');
    const warmQueue = emailQueue(prefix, redis.url);
    await allCompleted(warmQueue, 3);
    await warmQueue.close();

    await redis.stop();
    const stoppedAt = Date.now();
    await eventually(async () => (await fetch(`${worker.url}/health/ready`)).status === 503, 10_000, 100);
    const emails: string[] = [];
    const statuses: number[] = [];
    // Users keep registering for at least 3 s of outage.
    while (emails.length < 20 || Date.now() - stoppedAt < 3000) {
      const batch = newEmails('during-outage', 4);
      emails.push(...batch);
      statuses.push(...(await registerAll(api, batch)));
    }
    const outageMs = Date.now() - stoppedAt;
    expect(statuses).toEqual(emails.map(() => 201));
    expect(emails.filter((email) => smtp.received(email) > 0)).toEqual([]);
    await redis.restart();

    await smtp.waitFor(allMailed(emails), 60_000, 'every user of the outage mailed');
    await allCompleted(emailQueue(prefix, redis.url), emails.length);
    expect(notExactlyOnce([...emails, ...warmUp])).toEqual({});
    expect(outageMs).toBeGreaterThanOrEqual(3000);
  }, 120_000);
});
