// @ts-check
/**
 * `npm run bench:webhooks` (issue 7): webhook deliveries per second to a local receiver, with
 * the worker's default concurrency (the `webhook-deliveries` queue's policy).
 *
 * One workspace with BENCH_ENDPOINTS endpoints (1) subscribed to `*`. For each receiver
 * behaviour — answering at once, and after BENCH_RECEIVER_DELAY_MS (50 ms, a typical real
 * receiver) — a backlog of BENCH_EVENTS public events (2,000) is written to the outbox in one
 * statement; the clock runs from that commit until the receiver has every delivery and every
 * delivery row is `succeeded`. So the figure covers the whole path: outbox relay → fan-out job
 * (delivery rows) → delivery job (sign, POST through the SSRF-safe client, attempt log).
 * The worker's CPU over each window is sampled from /proc.
 *
 * Production mode (private networks and http allowed for the 127.0.0.1 receiver), own
 * database and Redis prefix, removed at the end. Needs `npm run build`.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { SecretBox } from '@groundwork/platform';
import { WEBHOOK_QUEUES } from '@groundwork/webhooks';
import {
  assertBuilt,
  benchRun,
  Cleanup,
  cpuSeconds,
  formatTable,
  freePort,
  generateSecrets,
  knob,
  productionEnv,
  progress,
  round,
  sleep,
  startApp,
} from './lib.js';

const EVENTS = knob('BENCH_EVENTS', 2_000);
const ENDPOINTS = knob('BENCH_ENDPOINTS', 1);
const SLOW_RECEIVER_MS = knob('BENCH_RECEIVER_DELAY_MS', 50);

const cleanup = new Cleanup();
cleanup.handleSignals();

/** A receiver on 127.0.0.1 that answers 204, after `delayMs`; counts what it got. */
async function startReceiver() {
  const state = { received: 0, delayMs: 0 };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      state.received += 1;
      const answer = () => response.writeHead(204).end();
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  cleanup.add('close the receiver', () => new Promise((resolve) => server.close(() => resolve(undefined))));
  server.keepAliveTimeout = 30_000;
  return { url: `http://127.0.0.1:${address.port}/hooks`, state };
}

/**
 * Writes `count` `project.created` events of the workspace in one transaction.
 * @param {pg.Client} db @param {string} workspaceId @param {number} count
 */
async function writeEvents(db, workspaceId, count) {
  const ids = Array.from({ length: count }, () => uuidv7());
  await db.query(
    `INSERT INTO outbox_events (id, type, version, visibility, workspace_id, occurred_at, data)
     SELECT e.id, 'project.created', 1, 'public', $2, clock_timestamp(),
            jsonb_build_object('projectId', e.id::text, 'key', 'BENCH', 'name', 'Bench')
     FROM unnest($1::uuid[]) WITH ORDINALITY AS e(id, n) ORDER BY e.n`,
    [ids, workspaceId],
  );
}

/**
 * Waits until the receiver has `expected` requests and the database `expected` succeeded
 * deliveries; returns the seconds from `startedAt`.
 * @param {pg.Client} db @param {{ received: number }} state @param {number} expected @param {number} startedAt
 */
async function untilDelivered(db, state, expected, startedAt) {
  const deadline = performance.now() + 300_000;
  let receivedAt = 0;
  for (;;) {
    if (receivedAt === 0 && state.received >= expected) receivedAt = performance.now();
    if (receivedAt > 0) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'succeeded'`);
      if (rows[0].n >= expected) {
        return { receivedSec: (receivedAt - startedAt) / 1000, recordedSec: (performance.now() - startedAt) / 1000 };
      }
    }
    if (performance.now() > deadline) throw new Error(`only ${state.received} of ${expected} deliveries in 300 s`);
    await sleep(20);
  }
}

/**
 * Where the time goes, for the last `count` deliveries (p50, ms): event commit → delivery row
 * (relay + fan-out), delivery row → its first attempt starting (queueing for a delivery slot),
 * and the attempt itself (as the attempt log records it).
 * @param {pg.Client} db @param {number} count
 */
async function stageDelays(db, count) {
  const { rows } = await db.query(
    `WITH recent AS (
       SELECT d.id, d.created_at, e.occurred_at FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
       ORDER BY d.created_at DESC LIMIT $1),
     firsts AS (
       SELECT DISTINCT ON (a.delivery_id) a.delivery_id, a.at, a.latency_ms FROM webhook_attempts a
       JOIN recent r ON r.id = a.delivery_id ORDER BY a.delivery_id, a.at)
     SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - r.occurred_at)) * 1000 AS to_delivery,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.created_at)) * 1000 AS to_attempt,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY f.latency_ms) AS attempt
     FROM recent r JOIN firsts f ON f.delivery_id = r.id`,
    [count],
  );
  const row = rows[0];
  return { toDelivery: round(row.to_delivery), toAttempt: round(row.to_attempt), attempt: round(row.attempt) };
}

async function main() {
  assertBuilt(['dist/worker/main.js']);
  const { workDir, redisKeyPrefix, database } = await benchRun(cleanup, 'webhooks');
  const secrets = generateSecrets();
  const receiver = await startReceiver();

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanup.add('close the database client', () => db.end());
  const workspaceId = uuidv7();
  const ownerId = uuidv7();
  await db.query(`INSERT INTO users (id, email, name, updated_at) VALUES ($1, 'hooks@bench.test', 'Bench', now())`, [
    ownerId,
  ]);
  await db.query(`INSERT INTO workspaces (id, name, slug, updated_at) VALUES ($1, 'Bench', 'bench', now())`, [
    workspaceId,
  ]);
  const box = new SecretBox(Buffer.from(secrets.ENCRYPTION_KEY, 'base64'));
  for (let i = 0; i < ENDPOINTS; i += 1) {
    const id = uuidv7();
    await db.query(
      `INSERT INTO webhook_endpoints (id, workspace_id, url, events, secret_sealed, created_by_id, updated_at)
       VALUES ($1, $2, $3, ARRAY['*'], $4, $5, now())`,
      [
        id,
        workspaceId,
        receiver.url,
        box.seal(`whsec_${Buffer.alloc(32, i).toString('base64')}`, `webhook:${id}`),
        ownerId,
      ],
    );
  }

  const workerPort = await freePort();
  const worker = await startApp({
    name: 'worker',
    script: 'dist/worker/main.js',
    env: {
      ...productionEnv({
        databaseUrl: database.url,
        redisKeyPrefix,
        port: await freePort(),
        workerPort,
        secrets,
        logLevel: 'warn',
      }),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_ALLOW_HTTP: 'true',
    },
    readyUrl: `http://127.0.0.1:${workerPort}/health/ready`,
    logFile: path.join(workDir, 'worker.log'),
    cleanup,
  });

  // A short warm-up (connections, JIT) that is not measured.
  await writeEvents(db, workspaceId, 50);
  await untilDelivered(db, receiver.state, 50 * ENDPOINTS, performance.now());

  /** @type {(string | number)[][]} */
  const rows = [
    [
      'receiver',
      'deliveries',
      'received in s',
      'deliveries/s',
      'all recorded in s',
      'worker CPU',
      'p50 ms: commit→row / row→attempt / attempt',
    ],
  ];
  /** @type {Record<string, number>} */
  const figures = {};
  let expected = 50 * ENDPOINTS;
  for (const delayMs of [0, SLOW_RECEIVER_MS]) {
    receiver.state.delayMs = delayMs;
    expected += EVENTS * ENDPOINTS;
    progress(`${EVENTS} events × ${ENDPOINTS} endpoint(s), receiver answering after ${delayMs} ms`);
    const cpuBefore = cpuSeconds(worker.pid);
    const startedAt = performance.now();
    await writeEvents(db, workspaceId, EVENTS);
    const { receivedSec, recordedSec } = await untilDelivered(db, receiver.state, expected, startedAt);
    const cpu = (cpuSeconds(worker.pid) - cpuBefore) / recordedSec;
    const stages = await stageDelays(db, EVENTS * ENDPOINTS);
    const perSecond = (EVENTS * ENDPOINTS) / recordedSec;
    figures[`deliveriesPerSecond_${delayMs}ms`] = round(perSecond);
    rows.push([
      `204 after ${delayMs} ms`,
      EVENTS * ENDPOINTS,
      round(receivedSec, 2),
      round(perSecond),
      round(recordedSec, 2),
      `${round(cpu * 100)} %`,
      `${stages.toDelivery} / ${stages.toAttempt} / ${stages.attempt}`,
    ]);
  }
  await worker.stop();

  const concurrency = WEBHOOK_QUEUES['webhook-deliveries'].concurrency;
  console.log(`\nwebhook deliveries, worker concurrency ${concurrency} (queue policy)`);
  console.log(formatTable(rows));
  console.log(
    `\nceiling with a ${SLOW_RECEIVER_MS} ms receiver: ${concurrency} / ${SLOW_RECEIVER_MS / 1000} s = ` +
      `${round(concurrency / (SLOW_RECEIVER_MS / 1000))} deliveries/s`,
  );
  console.log(JSON.stringify(figures));
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
