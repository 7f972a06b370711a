// @ts-check
/**
 * `npm run bench:outbox` (issue 4): the transactional outbox measured on this machine.
 *
 * Phase 1, latency: events written one per transaction (through `pg`) at a steady rate; for
 * each, the delay from COMMIT returning to the email consumer's job starting (BullMQ's
 * `processedOn`). Target: p95 < 100 ms at 200 events/s.
 * Phase 2, throughput: with the worker stopped, a backlog is inserted; the worker starts and
 * relays it. Target: ≥ 1,000 events/s. CPU of the worker, Redis and PostgreSQL is sampled
 * over the relay window, to see which one saturates.
 * Phase 3, anatomy: the real `OutboxRelay.relayBatch` (from dist/) run in this process with
 * its statements and `addBulk` timed, at several batch sizes: where a batch's time goes.
 *
 * Runs the built worker (`npm run build` first) in production mode against its own database
 * and Redis prefix, both removed at the end, also on failure or Ctrl-C.
 * Knobs: BENCH_RATE (200), BENCH_SECONDS (15), BENCH_BACKLOG (20000), OUTBOX_BATCH_SIZE.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  defaultJobOptions,
  loadAppConfig,
  MetricsService,
  PrismaService,
  redisOptionsFromUrl,
} from '@groundwork/platform';
import { OutboxRelay } from '@groundwork/platform/queue';
// The worker's contexts register the events and their consumer queues the relay dispatches by.
import '../../dist/worker/contexts.js';
import { freePort } from '../support/ports.js';
import { createMigratedDatabase, dropDatabase, randomDatabaseName } from '../support/test-database.js';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 2;
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const ANATOMY_BATCH_SIZES = [100, 500, 2000];
const ANATOMY_BATCHES = 8;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER_MAIN = path.resolve('dist/worker/main.js');
const CLOCK_TICKS_PER_SECOND = 100;

const INSERT_ONE = `INSERT INTO outbox_events (id, type, version, visibility, occurred_at, data)
  VALUES ($1, 'user.registered', 1, 'internal', clock_timestamp(), jsonb_build_object('userId', $2::text))`;
const INSERT_MANY = `INSERT INTO outbox_events (id, type, version, visibility, occurred_at, data)
  SELECT e.id, 'user.registered', 1, 'internal', clock_timestamp(), jsonb_build_object('userId', e.user_id)
  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS e(id, user_id, n) ORDER BY e.n`;

/** Ctrl-C stops the loops below; `main`'s finally then cleans up. */
const interrupted = new AbortController();

function throwIfInterrupted() {
  if (interrupted.signal.aborted) throw new Error('interrupted');
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @template T
 * @param {() => Promise<T | undefined | false>} probe
 * @param {number} timeoutMs
 * @param {string} what
 * @param {number} [intervalMs]
 * @returns {Promise<T>}
 */
async function until(probe, timeoutMs, what, intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfInterrupted();
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** @param {number[]} sorted @param {number} p */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** @param {number[]} values */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

/** User + system CPU time of a process, in seconds (Linux /proc); 0 once it is gone. @param {number} pid */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * @typedef {{ child: import('node:child_process').ChildProcess, port: number, exited: Promise<void>, logs: () => string }} Worker
 */

/**
 * Starts the built worker; `ready` resolves once its readiness probe answers 200.
 * @param {Record<string, string>} env @returns {Promise<Worker & { ready: Promise<void> }>}
 */
async function spawnWorker(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env, WORKER_PORT: String(port), PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + String(chunk)).slice(-20_000)));
  child.stderr?.on('data', (chunk) => (output = (output + String(chunk)).slice(-20_000)));
  const exited = new Promise((resolve) => child.once('exit', () => resolve(undefined)));
  let gone = false;
  void exited.then(() => (gone = true));
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    void exited.then(() => reject(new Error(`the worker exited during boot:\n${output}`)));
    until(
      async () => {
        if (gone) return true;
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200;
      },
      30_000,
      'the worker to be ready',
      50,
    ).then(() => resolve(), reject);
  });
  ready.catch(() => child.kill('SIGKILL'));
  return { child, port, exited, logs: () => output, ready };
}

/** @param {Record<string, string>} env @returns {Promise<Worker>} */
async function startWorker(env) {
  const worker = await spawnWorker(env);
  await worker.ready;
  return worker;
}

/**
 * @typedef {{ at: number, worker: number, redis: number, postgres: Map<number, number> }} CpuSample
 */

/**
 * Samples the CPU seconds of the worker, Redis and this database's backends every 50 ms.
 * @param {number} workerPid @param {number} redisPid @param {pg.Pool} db @param {string} database
 */
function cpuSampler(workerPid, redisPid, db, database) {
  /** @type {CpuSample[]} */
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const pids = await backendPids(db, database).catch(() => /** @type {number[]} */ ([]));
      samples.push({
        at: Date.now(),
        worker: cpuSeconds(workerPid),
        redis: cpuSeconds(redisPid),
        postgres: new Map(pids.map((pid) => [pid, cpuSeconds(pid)])),
      });
      await sleep(50);
    }
  })();
  return {
    /** Cores used by each between the samples nearest to `from` and `to`. @param {number} from @param {number} to */
    async coresBetween(from, to) {
      stopped = true;
      await loop;
      /** @param {number} t */
      const nearest = (t) =>
        samples.reduce((best, sample) => (Math.abs(sample.at - t) < Math.abs(best.at - t) ? sample : best));
      const a = nearest(from);
      const b = nearest(to);
      const seconds = (b.at - a.at) / 1000;
      let postgres = 0;
      for (const [pid, cpu] of b.postgres) postgres += cpu - (a.postgres.get(pid) ?? 0);
      return {
        worker: round((b.worker - a.worker) / seconds),
        redis: round((b.redis - a.redis) / seconds),
        postgres: round(postgres / seconds),
      };
    },
  };
}

/** SIGTERM, then SIGKILL if it has not exited within 20 s. @param {Worker} worker */
async function stopWorker(worker) {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 20_000);
  await worker.exited;
  clearTimeout(timer);
}

/** @param {Worker} worker @param {string} name */
async function metricSum(worker, name) {
  const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Production-like worker environment: every required variable, secrets generated for this run. @param {string} databaseUrl @param {string} prefix */
async function workerEnvironment(databaseUrl, prefix) {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  /** @type {Record<string, string>} */
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    // The events reference no user: the consumer skips them and never connects to SMTP.
    SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
    APP_WEB_URL: 'http://127.0.0.1:5173',
    PUBLIC_API_URL: 'http://127.0.0.1:3000',
    JWT_SIGNING_KEYS: privateKey,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
  };
  if (process.env.OUTBOX_BATCH_SIZE) env.OUTBOX_BATCH_SIZE = process.env.OUTBOX_BATCH_SIZE;
  return env;
}

/** One event per transaction, as a producer writes it. @param {pg.Pool} pool @returns {Promise<{ id: string, committedAt: number }>} */
async function writeOne(pool) {
  const id = uuidv7();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(INSERT_ONE, [id, uuidv7()]);
    await client.query('COMMIT');
    return { id, committedAt: Date.now() };
  } finally {
    client.release();
  }
}

/**
 * Writes at a steady `rate` for `seconds` (open loop: a slow commit does not delay the next).
 * @param {pg.Pool} pool @param {number} rate @param {number} seconds
 */
async function steadyWrites(pool, rate, seconds) {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  /** @type {Promise<{ id: string, committedAt: number }>[]} */
  const writes = [];
  let maxLagMs = 0;
  const start = Date.now() + 20;
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    throwIfInterrupted();
    maxLagMs = Math.max(maxLagMs, Date.now() - due);
    const write = writeOne(pool);
    // Handled here too: when this loop stops early, the writes in flight must not crash the process.
    write.catch(() => undefined);
    writes.push(write);
  }
  const commits = await Promise.all(writes);
  const elapsed = (Math.max(...commits.map((c) => c.committedAt)) - start) / 1000;
  return { commits, achievedRate: total / elapsed, maxLagMs };
}

/** Waits until every job of `eventIds` has run, then returns them by event id. @param {Queue} queue @param {string[]} eventIds */
async function startedJobs(queue, eventIds) {
  const ids = eventIds.map((id) => `email_${id}`);
  /** @type {Map<string, import('bullmq').Job>} */
  const jobs = new Map();
  await until(
    async () => {
      const missing = ids.filter((id) => !jobs.get(id)?.processedOn);
      for (let i = 0; i < missing.length; i += 500) {
        const found = await Promise.all(missing.slice(i, i + 500).map((id) => queue.getJob(id)));
        for (const job of found) if (job?.id && job.processedOn) jobs.set(job.id, job);
      }
      return jobs.size === ids.length;
    },
    120_000,
    'every job to start',
    200,
  );
  return jobs;
}

/** @param {pg.Pool} pool @param {number} count */
async function insertBacklog(pool, count) {
  for (let done = 0; done < count; done += 5000) {
    const n = Math.min(5000, count - done);
    const ids = Array.from({ length: n }, () => uuidv7());
    await pool.query(INSERT_MANY, [ids, ids.map(() => uuidv7())]);
  }
}

/** @param {pg.Pool} pool */
async function unrelayedCount(pool) {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox_events WHERE relayed_at IS NULL');
  return Number(rows[0]?.n);
}

/** PIDs of this database's server processes (the worker's pool, its LISTEN connection). @param {pg.Pool} pool @param {string} database */
async function backendPids(pool, database) {
  const { rows } = await pool.query(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'groundwork-%'",
    [database],
  );
  return rows.map((r) => Number(r.pid));
}

/**
 * Phase 3: the real relayBatch, its two statements and addBulk timed through thin proxies.
 * @param {pg.Pool} pool @param {Record<string, string>} env @param {string} prefix
 */
async function anatomy(pool, env, prefix) {
  /** @type {{ select: number[], addBulk: number[], update: number[], total: number[] }} */
  let timings = { select: [], addBulk: [], update: [], total: [] };
  const rows = [];
  for (const batchSize of ANATOMY_BATCH_SIZES) {
    const config = loadAppConfig('worker', { ...env, OUTBOX_BATCH_SIZE: String(batchSize) });
    const prisma = new PrismaService(config);
    const queue = new Queue('email', {
      connection: redisOptionsFromUrl(REDIS_URL),
      prefix: `${prefix}:bull`,
      defaultJobOptions: defaultJobOptions('email', config),
    });
    try {
      const timedQueue = new Proxy(queue, {
        get(target, prop) {
          if (prop !== 'addBulk') return Reflect.get(target, prop);
          /** @param {Parameters<Queue['addBulk']>} args */
          return async (...args) => {
            const t0 = Date.now();
            const result = await target.addBulk(...args);
            timings.addBulk.push(Date.now() - t0);
            return result;
          };
        },
      });
      /** @param {object} tx */
      const timedTx = (tx) =>
        new Proxy(tx, {
          get(target, prop) {
            const value = Reflect.get(target, prop);
            if (prop !== '$queryRaw' && prop !== '$executeRaw') return value;
            const series = prop === '$queryRaw' ? timings.select : timings.update;
            /** @param {unknown[]} args */
            return async (...args) => {
              const t0 = Date.now();
              const result = await /** @type {(...a: unknown[]) => Promise<unknown>} */ (value).apply(target, args);
              series.push(Date.now() - t0);
              return result;
            };
          },
        });
      const timedPrisma = {
        /** @param {(tx: object) => Promise<number>} fn @param {object} options */
        $transaction: (fn, options) => prisma.$transaction((tx) => fn(timedTx(tx)), options),
      };
      const moduleRef = { get: () => timedQueue };
      const relay = new OutboxRelay(
        /** @type {PrismaService} */ (/** @type {unknown} */ (timedPrisma)),
        config,
        /** @type {import('@nestjs/core').ModuleRef} */ (/** @type {unknown} */ (moduleRef)),
        new MetricsService(config),
      );
      relay['queues'].set('email', timedQueue);

      // One warm-up batch (JIT, connections), then the measured ones.
      await insertBacklog(pool, batchSize * (ANATOMY_BATCHES + 1));
      await relay.relayBatch();
      timings = { select: [], addBulk: [], update: [], total: [] };
      for (let i = 0; i < ANATOMY_BATCHES; i += 1) {
        const t0 = Date.now();
        const relayed = await relay.relayBatch();
        timings.total.push(Date.now() - t0);
        if (relayed !== batchSize) throw new Error(`relayBatch relayed ${relayed}, expected ${batchSize}`);
      }
      /** @param {number[]} v */
      const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
      const total = mean(timings.total);
      const select = mean(timings.select);
      const addBulk = mean(timings.addBulk);
      const update = mean(timings.update);
      rows.push({
        batchSize,
        batchMs: round(total),
        selectMs: round(select),
        addBulkMs: round(addBulk),
        updateMs: round(update),
        otherMs: round(total - select - addBulk - update),
        eventsPerSecond: Math.round((batchSize * 1000) / total),
      });
    } finally {
      await queue.close();
      await prisma.$disconnect();
    }
  }
  return rows;
}

/** @param {number} value */
function round(value) {
  return Math.round(value * 10) / 10;
}

async function main() {
  const databaseName = randomDatabaseName('gw_bench_outbox');
  const prefix = `gwbench_${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  /** @type {pg.Pool | undefined} */
  let pool;
  /** @type {Worker | undefined} */
  let worker;
  /** @type {Queue | undefined} */
  let queue;

  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, () => interrupted.abort());
  }

  try {
    console.log(`outbox bench: database ${databaseName}, Redis prefix ${prefix}`);
    const databaseUrl = await createMigratedDatabase(databaseName);
    const db = new pg.Pool({ connectionString: databaseUrl, max: 8 });
    pool = db;
    const env = await workerEnvironment(databaseUrl, prefix);
    const emailQueue = new Queue('email', { connection: redisOptionsFromUrl(REDIS_URL), prefix: `${prefix}:bull` });
    queue = emailQueue;
    worker = await startWorker(env);

    // Phase 1: steady writes; commit → job start.
    console.log(`phase 1: ${RATE} events/s for ${WARMUP_SECONDS} s (warm-up, not counted) + ${SECONDS} s`);
    const warmup = await steadyWrites(db, RATE, WARMUP_SECONDS);
    await startedJobs(
      emailQueue,
      warmup.commits.map((c) => c.id),
    );
    const steady = await steadyWrites(db, RATE, SECONDS);
    const jobs = await startedJobs(
      emailQueue,
      steady.commits.map((c) => c.id),
    );
    const toStart = [];
    const toEnqueue = [];
    for (const { id, committedAt } of steady.commits) {
      const job = jobs.get(`email_${id}`);
      if (!job?.processedOn) throw new Error(`job of ${id} never started`);
      toStart.push(job.processedOn - committedAt);
      toEnqueue.push(job.timestamp - committedAt);
    }
    const latency = summary(toStart);
    const enqueue = summary(toEnqueue);

    // Phase 2: a backlog relayed by a freshly started worker.
    console.log(`phase 2: backlog of ${BACKLOG} events`);
    await stopWorker(worker);
    worker = undefined;
    const { rows: seqRows } = await db.query('SELECT coalesce(max(seq), 0)::text AS seq FROM outbox_events');
    const backlogAfterSeq = String(seqRows[0]?.seq);
    await insertBacklog(db, BACKLOG);
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    const spawnedAt = Date.now();
    const starting = await spawnWorker(env);
    worker = starting;
    const sampler = cpuSampler(starting.child.pid ?? 0, redisPid, db, databaseName);
    await starting.ready;
    await until(async () => (await unrelayedCount(db)) === 0, 120_000, 'the backlog to be relayed', 20);
    const relayedAt = Date.now();
    const { rows: span } = await db.query(
      'SELECT extract(epoch FROM min(relayed_at)) * 1000 AS first FROM outbox_events WHERE seq > $1::bigint',
      [backlogAfterSeq],
    );
    const firstRelayAt = Number(span[0]?.first);
    const cpuCores = await sampler.coresBetween(firstRelayAt, relayedAt);
    const relayedTotal = await metricSum(starting, 'outbox_events_relayed_total');
    await until(
      async () =>
        (await emailQueue.getJobCounts('completed')).completed ===
        warmup.commits.length + steady.commits.length + BACKLOG,
      300_000,
      'the consumer to finish the backlog',
      200,
    );
    const consumedAt = Date.now();
    const throughput = {
      events: BACKLOG,
      relaySeconds: round((relayedAt - firstRelayAt) / 1000),
      eventsPerSecond: Math.round((BACKLOG * 1000) / (relayedAt - firstRelayAt)),
      withBootSeconds: round((relayedAt - spawnedAt) / 1000),
      consumerDoneSeconds: round((consumedAt - firstRelayAt) / 1000),
      relayedCounter: relayedTotal,
      cpuCores,
    };
    await stopWorker(worker);
    worker = undefined;

    // Phase 3: where a batch's time goes.
    console.log(`phase 3: anatomy of relayBatch at batch sizes ${ANATOMY_BATCH_SIZES.join(', ')}`);
    const batches = await anatomy(db, env, `${prefix}:anatomy`);

    console.log('\ncommit → job start, phase 1 (ms)');
    console.table({
      'commit → job start': latency,
      'commit → enqueued': enqueue,
    });
    console.log(
      `generator: ${round(steady.achievedRate)} events/s achieved (target ${RATE}), max schedule lag ${steady.maxLagMs} ms`,
    );
    console.log(`\nrelay throughput, phase 2 (${BACKLOG} events, batch ${env.OUTBOX_BATCH_SIZE ?? 500})`);
    const { cpuCores: cores, ...figures } = throughput;
    console.table({ backlog: figures });
    console.log(
      `CPU over the relay window (cores): worker ${cores.worker}, redis ${cores.redis}, postgres backends ${cores.postgres}`,
    );
    console.log('\nrelayBatch anatomy, phase 3 (mean per batch)');
    console.table(batches);
    const targets = { latencyP95Ok: latency.p95 < 100, throughputOk: throughput.eventsPerSecond >= 1000 };
    console.log(
      `targets: p95 < 100 ms ${targets.latencyP95Ok ? 'met' : 'MISSED'}; ≥ 1000 events/s ${targets.throughputOk ? 'met' : 'MISSED'}`,
    );
    console.log(
      JSON.stringify({
        bench: 'outbox',
        rate: RATE,
        seconds: SECONDS,
        commitToJobStartMs: latency,
        commitToEnqueuedMs: enqueue,
        achievedRate: round(steady.achievedRate),
        throughput,
        anatomy: batches,
        targets,
      }),
    );
  } finally {
    // Whatever happened above: no worker, database or Redis key outlives the run.
    if (worker) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await queue?.close().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await dropDatabase(databaseName).catch((error) => console.error(`could not drop ${databaseName}:`, error));
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

main().catch((error) => {
  console.error(interrupted.signal.aborted ? 'interrupted; cleaned up' : error);
  process.exitCode = interrupted.signal.aborted ? 130 : 1;
});
