import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import pg from 'pg';
import { redisOptionsFromUrl } from '@groundwork/platform';
import { type AppName, AppProcess, type StartOptions } from './app-process.js';
import { SmtpTestServer } from './smtp-test-server.js';
import { createMigratedDatabase, dropDatabase, randomDatabaseName } from './test-database.js';
import { deleteRedisKeys } from './test-redis.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Env = Record<string, string | undefined>;

export interface StackOptions {
  /** Names the stack's database and Redis prefix (letters, digits, `-`). */
  label: string;
  /** How many api processes start with the stack (default none). */
  apis?: number;
  /** How many worker processes start with the stack (default none). */
  workers?: number;
  /**
   * Where the apps send mail: `smtp`, an SMTP test server the test reads; `files`, `.eml` files
   * in a folder of the stack's own (no SMTP server). Default: the apps' own default.
   */
  mail?: 'smtp' | 'files';
  /** Variables for every app of the stack; they win over the stack's own. */
  env?: Env;
  /** What the apps started with the stack wait for (default: readiness). */
  waitFor?: StartOptions['waitFor'];
  /** How long each of them may take to get there (default: AppProcess's). */
  startTimeoutMs?: number;
}

/** Where a queue handle looks: the stack's Redis and prefix unless the test runs apps elsewhere. */
export interface QueueLocation {
  /** The apps' REDIS_KEY_PREFIX (the queues live under `<prefix>:bull`). */
  prefix?: string;
  redisUrl?: string;
}

/**
 * What an e2e file runs against, as deployed: a database of its own (migrated with the Prisma
 * CLI), a Redis prefix of its own, the built apps as child processes and, when the flow
 * mails, an SMTP test server. A worker relays every unrelayed outbox row it can see, so a file
 * whose workers shared another file's database could take (and mail) that file's events.
 */
export interface Stack {
  readonly databaseName: string;
  readonly databaseUrl: string;
  /** A small pool on the stack's database, to arrange and inspect rows. */
  readonly db: pg.Pool;
  readonly redisUrl: string;
  /** Under the run's prefix, so the run's teardown also finds anything the stack leaves. */
  readonly redisKeyPrefix: string;
  /** Every variable the stack gives its apps (for a CLI run against the same stack). */
  readonly env: Env;
  /** The api and worker processes started with the stack, in order. */
  readonly apis: AppProcess[];
  readonly workers: AppProcess[];
  /** The first api / worker started with the stack. */
  readonly api: AppProcess;
  readonly worker: AppProcess;
  /** The SMTP test server (`mail: 'smtp'`). */
  readonly smtp: SmtpTestServer;
  /** The folder of the `.eml` files (`mail: 'files'`). */
  readonly mailDir: string;
  /** Starts another app on the stack (`options.env` wins over the stack's); killed by `stopApps`. */
  start(name: AppName, options?: StartOptions): Promise<AppProcess>;
  /** A BullMQ handle on one of the apps' queues; closed by `stopApps`. */
  queue(name: string, location?: QueueLocation): Queue;
  /** The queue's event stream, read from its start so no event slips by; closed by `stopApps`. */
  queueEvents(name: string, location?: QueueLocation): Promise<QueueEvents>;
  /** Kills every app of the stack and closes its queue handles (between tests that start their own). */
  stopApps(): Promise<void>;
  /** Stops everything and removes the database, the Redis keys and the mail folder. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const databaseName = randomDatabaseName(`gw_e2e_${options.label.replaceAll('-', '_')}`);
  const redisKeyPrefix = `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:${options.label}-${randomBytes(3).toString('hex')}`;
  const apps: AppProcess[] = [];
  const handles: { close(): Promise<void> }[] = [];
  let databaseUrl: string | undefined;
  let db: pg.Pool | undefined;
  let smtp: SmtpTestServer | undefined;
  let mailDir: string | undefined;

  const stopApps = async (): Promise<void> => {
    await Promise.all(apps.splice(0).map((app) => app.kill()));
    await Promise.all(handles.splice(0).map((handle) => handle.close()));
  };
  const stop = async (): Promise<void> => {
    await stopApps();
    await smtp?.close();
    await db?.end();
    if (databaseUrl !== undefined) await dropDatabase(databaseName);
    await deleteRedisKeys(REDIS_URL, `${redisKeyPrefix}:*`);
    if (mailDir !== undefined) await rm(mailDir, { recursive: true, force: true });
  };

  try {
    databaseUrl = await createMigratedDatabase(databaseName);
    db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    if (options.mail === 'smtp') smtp = await SmtpTestServer.start();
    if (options.mail === 'files') mailDir = await mkdtemp(path.join(tmpdir(), `gw-${options.label}-mail-`));
    const env: Env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      ...(smtp ? { SMTP_URL: smtp.url } : {}),
      ...(mailDir ? { SMTP_URL: undefined, MAIL_OUTBOX_DIR: mailDir } : {}),
      ...options.env,
    };
    const start = async (name: AppName, startOptions: StartOptions = {}): Promise<AppProcess> => {
      const app = await AppProcess.start(name, { ...startOptions, env: { ...env, ...startOptions.env } });
      apps.push(app);
      return app;
    };
    const waitFor = options.waitFor ?? 'ready';
    const [apis, workers] = await Promise.all([
      Promise.all(
        Array.from({ length: options.apis ?? 0 }, () => start('api', { waitFor, timeoutMs: options.startTimeoutMs })),
      ),
      Promise.all(
        Array.from({ length: options.workers ?? 0 }, () =>
          start('worker', { waitFor, timeoutMs: options.startTimeoutMs }),
        ),
      ),
    ]);
    const connection = ({ prefix = redisKeyPrefix, redisUrl = REDIS_URL }: QueueLocation = {}) => ({
      connection: redisOptionsFromUrl(redisUrl),
      prefix: `${prefix}:bull`,
    });
    return {
      databaseName,
      databaseUrl,
      db,
      redisUrl: REDIS_URL,
      redisKeyPrefix,
      env,
      apis,
      workers,
      get api() {
        return present(apis[0], 'api (start it with apis: 1)');
      },
      get worker() {
        return present(workers[0], 'worker (start it with workers: 1)');
      },
      get smtp() {
        return present(smtp, "SMTP server (start it with mail: 'smtp')");
      },
      get mailDir() {
        return present(mailDir, "mail folder (start it with mail: 'files')");
      },
      start,
      queue(name, location) {
        const queue = new Queue(name, connection(location));
        handles.push(queue);
        return queue;
      },
      async queueEvents(name, location) {
        const events = new QueueEvents(name, { ...connection(location), lastEventId: '0-0' });
        handles.push(events);
        await events.waitUntilReady();
        return events;
      },
      stopApps,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`this stack has no ${what}`);
  return value;
}
