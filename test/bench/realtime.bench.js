// @ts-check
/**
 * `npm run bench:realtime`: real-time fan-out under load, in one run on this machine.
 *
 * One api and one worker (production mode, own database and Redis prefix, removed at the end).
 * Two phases, one per transport: a forked client process (never the api's event loop) opens
 * BENCH_SSE_CLIENTS SSE streams, then (in a second phase) BENCH_WS_CLIENTS WebSockets, all
 * subscribed to one workspace; then BENCH_EVENTS_PER_SEC `task.created` events are committed to
 * the outbox for BENCH_DURATION seconds (as the tasks service writes them: the api's own
 * create path is bench:tasks' subject). Each travels outbox → relay → realtime queue → Redis
 * log + channel → the api's hub → every connection.
 * Reported: the delay from the event's `occurredAt` (its commit) to its receipt, p50/p95/p99/max,
 * measured on every BENCH_SAMPLE_EVERY-th connection (10; the others receive and count bytes —
 * decoding 200,000 messages/s in the client process would measure the clients), and the api's
 * RSS per connection ((RSS with every connection open − RSS before) / connections).
 * Target (issue): p95 < 150 ms with 2,000 SSE (and 2,000 WebSocket) clients and 100 events/s.
 *
 * Needs `npm run build`, and a file-descriptor limit (`ulimit -n`) above the connection count
 * (both the api and the client process hold one descriptor per connection).
 * Knobs: BENCH_SSE_CLIENTS (2000; 0 skips the phase), BENCH_WS_CLIENTS (2000; 0 skips), BENCH_EVENTS_PER_SEC
 * (100), BENCH_DURATION (10 s), BENCH_SAMPLE_EVERY (10), BENCH_WS_FIRST=1 (WebSocket phase first),
 * REALTIME_FLUSH_INTERVAL_MS (passed to the api), BENCH_CPU_PROF_DIR (CPU profiles of api and worker).
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  api,
  assertBuilt,
  benchRun,
  Cleanup,
  cpuSeconds,
  formatTable,
  freePort,
  generateSecrets,
  httpGet,
  knob,
  productionEnv,
  progress,
  ROOT,
  round,
  rssMiB,
  sleep,
  startApp,
} from './lib.js';

const LOAD = {
  sse: knob('BENCH_SSE_CLIENTS', 2000, 0),
  ws: knob('BENCH_WS_CLIENTS', 2000, 0),
  eventsPerSec: knob('BENCH_EVENTS_PER_SEC', 100),
  durationSec: knob('BENCH_DURATION', 10),
  sampleEvery: knob('BENCH_SAMPLE_EVERY', 10),
};
const USER = { email: 'realtime-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
let stopping = false;
cleanup.handleSignals(() => (stopping = true));

/**
 * Waits for the next IPC message of `type` from the child.
 * @param {import('node:child_process').ChildProcess} child @param {string} type @param {number} timeoutMs
 * @returns {Promise<any>}
 */
function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${type} message from the clients within ${timeoutMs} ms`)),
      timeoutMs,
    );
    /** @param {any} message */
    const onMessage = (message) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)));
  });
}

/**
 * The mean of the worker's commit → enqueue histogram, from its Prometheus text.
 * @param {string} metrics
 */
function relayDelay(metrics) {
  const sum = Number(/^outbox_relay_delay_seconds_sum(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  const count = Number(/^outbox_relay_delay_seconds_count(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  return { count, meanMs: (sum / count) * 1000 };
}

async function main() {
  assertBuilt(['dist/api/main.js', 'dist/worker/main.js']);
  const { workDir, redisKeyPrefix, database } = await benchRun(cleanup, 'realtime');
  const [port, workerPort] = [await freePort(), await freePort()];
  const env = {
    ...productionEnv({
      databaseUrl: database.url,
      redisKeyPrefix,
      port,
      workerPort,
      secrets: generateSecrets(),
      logLevel: 'warn',
    }),
    RATE_LIMIT_PER_MINUTE: '100000000',
    // The byte-counting WebSocket clients do not parse frames, so they never answer a ping:
    // the first ping falls after a phase ends.
    REALTIME_WS_PING_MS: '120000',
    // The hub's write window can be tried at other values without a rebuild.
    ...(process.env.REALTIME_FLUSH_INTERVAL_MS
      ? { REALTIME_FLUSH_INTERVAL_MS: process.env.REALTIME_FLUSH_INTERVAL_MS }
      : {}),
  };
  const [app, worker] = await Promise.all([
    startApp({
      name: 'api',
      script: 'dist/api/main.js',
      env,
      nodeArgs: process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : [],
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
      logFile: path.join(workDir, 'api.log'),
      cleanup,
    }),
    startApp({
      name: 'worker',
      script: 'dist/worker/main.js',
      env,
      nodeArgs: process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : [],
      readyUrl: `http://127.0.0.1:${workerPort}/health/ready`,
      logFile: path.join(workDir, 'worker.log'),
      cleanup,
    }),
  ]);
  const base = `http://127.0.0.1:${port}`;

  await api(`${base}/v1/auth/register`, { method: 'POST', body: JSON.stringify(USER) });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanup.add('close the database client', () => db.end());
  await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [USER.email]);
  const { accessToken: token } = /** @type {{ accessToken: string }} */ (
    await api(`${base}/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email: USER.email, password: USER.password }),
    })
  );
  const workspace = /** @type {{ id: string }} */ (
    await api(`${base}/v1/workspaces`, {
      method: 'POST',
      token,
      body: JSON.stringify({ name: 'Bench', slug: 'bench' }),
    })
  );
  // Warm the whole path (JIT, pools, the worker's queues) with a few real task creates.
  const project = /** @type {{ id: string }} */ (
    await api(`${base}/v1/workspaces/${workspace.id}/projects`, {
      method: 'POST',
      token,
      body: JSON.stringify({ name: 'Bench', key: 'BENCH' }),
    })
  );
  for (let i = 0; i < 20; i += 1) {
    await api(`${base}/v1/workspaces/${workspace.id}/tasks`, {
      method: 'POST',
      token,
      body: JSON.stringify({ projectId: project.id, title: `warm-up ${i}` }),
    });
  }
  await sleep(1000);

  /**
   * One phase: `count` connections of one transport, then the events; returns its figures.
   * @param {'sse' | 'ws'} kind @param {number} count
   */
  const phase = async (kind, count) => {
    const rssBefore = rssMiB(app.pid);
    progress(`opening ${count} ${kind === 'sse' ? 'SSE streams' : 'WebSockets'} from a separate process`);
    const clients = fork(path.join(ROOT, 'test/bench/realtime-clients.js'), [], {
      env: {
        ...process.env,
        BASE_URL: base,
        TOKEN: token,
        WORKSPACE_ID: workspace.id,
        SSE_CLIENTS: String(kind === 'sse' ? count : 0),
        WS_CLIENTS: String(kind === 'ws' ? count : 0),
        SAMPLE_EVERY: String(LOAD.sampleEvery),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    cleanup.track(clients);
    const connectStart = performance.now();
    const connected = await nextMessage(clients, 'connected', 120_000);
    const connectMs = performance.now() - connectStart;
    if (connected.failed > 0) throw new Error(`${connected.failed} connections failed to open`);
    await sleep(1000);
    const rssConnected = rssMiB(app.pid);

    progress(`${LOAD.eventsPerSec} task.created events/s for ${LOAD.durationSec} s`);
    const total = LOAD.eventsPerSec * LOAD.durationSec;
    const intervalMs = 1000 / LOAD.eventsPerSec;
    const cpu = { api: cpuSeconds(app.pid), worker: cpuSeconds(worker.pid), clients: cpuSeconds(clients.pid ?? 0) };
    const started = performance.now();
    for (let i = 0; i < total && !stopping; i += 1) {
      const wait = started + i * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      await commitTaskCreated(db, workspace.id, project.id, i);
    }
    const sendSec = (performance.now() - started) / 1000;
    // Let the tail of the fan-out arrive.
    await sleep(2000);
    const wallSec = (performance.now() - started) / 1000;
    const cores = {
      api: (cpuSeconds(app.pid) - cpu.api) / wallSec,
      worker: (cpuSeconds(worker.pid) - cpu.worker) / wallSec,
      clients: (cpuSeconds(clients.pid ?? 0) - cpu.clients) / wallSec,
    };
    const reportPromise = nextMessage(clients, 'report', 10_000);
    clients.send({ type: 'report' });
    const report = await reportPromise;
    await new Promise((resolve) => {
      if (clients.exitCode !== null) resolve(undefined);
      else clients.once('exit', () => resolve(undefined));
    });
    // The api notices the closed connections; the next phase starts from a settled process.
    await sleep(2000);
    return {
      kind,
      count,
      total,
      sendRate: total / sendSec,
      delays: kind === 'sse' ? report.sse : report.ws,
      sampleEvery: report.sampleEvery,
      closedEarly: report.closedEarly,
      clientLoopDelayP99Ms: report.clientLoopDelayP99Ms,
      bytesCounted: report.bytesReceived,
      rssPerConnectionKiB: ((rssConnected - rssBefore) * 1024) / count,
      rssConnected,
      connectMs,
      cores,
    };
  };

  const results = [];
  // BENCH_WS_FIRST=1 swaps the phases: the first phase meets a colder api process.
  /** @type {('sse' | 'ws')[]} */
  const order = process.env.BENCH_WS_FIRST === '1' ? ['ws', 'sse'] : ['sse', 'ws'];
  for (const kind of order) {
    const count = kind === 'sse' ? LOAD.sse : LOAD.ws;
    if (count > 0) results.push(await phase(kind, count));
  }
  const relay = relayDelay(await httpGet(`http://127.0.0.1:${workerPort}/metrics`, 5000).then((r) => r.body));
  const queueWait = await realtimeQueueWait(redisKeyPrefix);
  await Promise.all([app.stop(), worker.stop()]);

  console.log(
    `\nReal-time fan-out on one api: ${LOAD.eventsPerSec} task.created events/s committed to the outbox for ` +
      `${LOAD.durationSec} s per phase, one phase per transport; ${os.cpus().length} cores, load average ` +
      `${os.loadavg()[0].toFixed(1)}. Delays from commit to receipt, measured on every ` +
      `${results[0]?.sampleEvery ?? LOAD.sampleEvery}th connection (all connections receive every event).\n`,
  );
  console.log(
    formatTable([
      [
        'transport',
        'clients',
        'events/s',
        'sampled received',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'KiB RSS / conn',
      ],
      ...results.map((r) => [
        r.kind === 'sse' ? 'SSE' : 'WebSocket',
        r.count,
        round(r.sendRate),
        `${r.delays.received} of ${r.total * Math.ceil(r.count / r.sampleEvery)}`,
        r.delays.p50,
        r.delays.p95,
        r.delays.p99,
        r.delays.max,
        round(r.rssPerConnectionKiB, 1),
      ]),
    ]),
  );
  for (const r of results) {
    console.log(
      `${r.kind}: connecting took ${round(r.connectMs)} ms; closed early: ${r.closedEarly}; ` +
        `client event-loop delay p99 ${r.clientLoopDelayP99Ms} ms; ` +
        `${round(r.bytesCounted / 1048576, 1)} MiB reached the byte-counting clients; api RSS with every ` +
        `connection open ${round(r.rssConnected, 1)} MiB; CPU (cores): api ${round(r.cores.api, 2)}, ` +
        `worker ${round(r.cores.worker, 2)}, clients ${round(r.cores.clients, 2)}`,
    );
  }
  console.log(
    `outbox commit → enqueue (worker's outbox_relay_delay_seconds, whole run): mean ${round(relay.meanMs, 1)} ms over ${relay.count} events`,
  );
  console.log(
    `realtime queue, enqueue → job start (last ${queueWait.n} jobs): p50 ${queueWait.p50} ms, p95 ${queueWait.p95} ms; ` +
      `job run: p50 ${queueWait.runP50} ms`,
  );
  const worst = Math.max(...results.map((r) => r.delays.p95));
  console.log(`target p95 < 150 ms: ${worst < 150 ? 'met' : 'NOT met'} (worst p95 ${worst} ms)`);
}

/**
 * How long the worker's realtime jobs waited in their queue and ran, from BullMQ's own
 * timestamps of the completed jobs it keeps: tells the worker's share of the delay apart.
 * @param {string} redisKeyPrefix
 */
async function realtimeQueueWait(redisKeyPrefix) {
  const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const queue = new Queue('realtime', {
    connection: { host: url.hostname, port: Number(url.port || 6379) },
    prefix: `${redisKeyPrefix}:bull`,
  });
  try {
    const jobs = await queue.getJobs(['completed'], 0, 1999);
    const waits = jobs.flatMap((job) => (job.processedOn ? [job.processedOn - job.timestamp] : []));
    const runs = jobs.flatMap((job) => (job.processedOn && job.finishedOn ? [job.finishedOn - job.processedOn] : []));
    /** @param {number[]} values @param {number} p */
    const at = (values, p) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * values.length) - 1)] ?? NaN;
    return { n: waits.length, p50: at(waits, 0.5), p95: at(waits, 0.95), runP50: at(runs, 0.5) };
  } finally {
    await queue.close();
  }
}

/**
 * Commits one `task.created` event as the tasks service would (the row's occurred_at is the
 * clock at the insert, the start of the measured delay).
 * @param {pg.Client} db @param {string} workspaceId @param {string} projectId @param {number} n
 */
async function commitTaskCreated(db, workspaceId, projectId, n) {
  await db.query(
    `INSERT INTO outbox_events (id, type, version, visibility, workspace_id, occurred_at, data)
     VALUES ($1, 'task.created', 1, 'public', $2, clock_timestamp(),
             jsonb_build_object('taskId', $3::text, 'projectId', $4::text, 'number', $5::int))`,
    [uuidv7(), workspaceId, uuidv7(), projectId, 1000 + n],
  );
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
