// @ts-check
/**
 * `npm run bench:realtime`: real-time fan-out under load, in one run on this machine.
 *
 * One api and one worker (production mode, own database and Redis prefix, removed at the end).
 * A forked client process (never the api's event loop) opens BENCH_SSE_CLIENTS SSE streams and
 * BENCH_WS_CLIENTS WebSockets subscribed to one workspace; then tasks are created through the
 * api at BENCH_EVENTS_PER_SEC for BENCH_DURATION seconds. Each `task.created` travels
 * outbox → relay → realtime queue → Redis log + channel → the api's hub → every connection.
 * Reported: the delay from the event's `occurredAt` (its commit) to its receipt by a client,
 * p50/p95/p99/max per transport, deliveries received vs expected, and the api's RSS per
 * connection ((RSS with every connection open − RSS before) / connections).
 * Target (issue): p95 < 150 ms with 2,000 + 2,000 connections and 100 events/s.
 *
 * Needs `npm run build`, and a file-descriptor limit (`ulimit -n`) above the connection count
 * (both the api and the client process hold one descriptor per connection).
 * Knobs: BENCH_SSE_CLIENTS (2000), BENCH_WS_CLIENTS (2000), BENCH_EVENTS_PER_SEC (100),
 * BENCH_DURATION (10 s).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  assertBuilt,
  Cleanup,
  createBenchDatabase,
  cpuSeconds,
  deleteRedisKeys,
  formatTable,
  freePort,
  httpGet,
  generateSecrets,
  knob,
  productionEnv,
  progress,
  randomRedisPrefix,
  round,
  rssMiB,
  ROOT,
  sleep,
  startApp,
} from './lib.js';

const LOAD = {
  sse: knob('BENCH_SSE_CLIENTS', 2000),
  ws: knob('BENCH_WS_CLIENTS', 2000),
  eventsPerSec: knob('BENCH_EVENTS_PER_SEC', 100),
  durationSec: knob('BENCH_DURATION', 10),
};
const PROJECTS = 10;
const USER = { email: 'realtime-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
let stopping = false;
cleanup.handleSignals(() => (stopping = true));

/**
 * One JSON request to the api; throws on an error status.
 * @template T
 * @param {string} url @param {RequestInit & { token?: string }} init
 * @returns {Promise<T>}
 */
async function api(url, init = {}) {
  const { token, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${rest.method ?? 'GET'} ${url} answered ${res.status}: ${text}`);
  return /** @type {T} */ (text ? JSON.parse(text) : undefined);
}

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
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-realtime-'));
  cleanup.add('remove logs', () => rmSync(workDir, { recursive: true, force: true }));
  const redisKeyPrefix = randomRedisPrefix();
  cleanup.add(`delete Redis keys ${redisKeyPrefix}:*`, () => deleteRedisKeys(redisKeyPrefix));
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(cleanup);
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
      readyUrl: `http://127.0.0.1:${workerPort}/health/ready`,
      logFile: path.join(workDir, 'worker.log'),
      cleanup,
    }),
  ]);
  const base = `http://127.0.0.1:${port}`;

  await api(`${base}/v1/auth/register`, { method: 'POST', body: JSON.stringify(USER) });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [USER.email]);
  await db.end();
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
  // Task numbers are gapless per project (a row lock): spread the creates over several projects.
  /** @type {string[]} */
  const projectIds = [];
  for (let i = 0; i < PROJECTS; i += 1) {
    const project = /** @type {{ id: string }} */ (
      await api(`${base}/v1/workspaces/${workspace.id}/projects`, {
        method: 'POST',
        token,
        body: JSON.stringify({ name: `Bench ${i}`, key: `BENCH${String.fromCharCode(65 + i)}` }),
      })
    );
    projectIds.push(project.id);
  }
  let created = 0;
  const createTask = (/** @type {string} */ title) =>
    api(`${base}/v1/workspaces/${workspace.id}/tasks`, {
      method: 'POST',
      token,
      body: JSON.stringify({ projectId: projectIds[created++ % PROJECTS], title }),
    });
  // Warm the whole path (JIT, connection pools, the worker's queues) before measuring.
  for (let i = 0; i < 20; i += 1) await createTask(`warm-up ${i}`);
  await sleep(1000);

  const rssBefore = rssMiB(app.pid);
  progress(`opening ${LOAD.sse} SSE streams and ${LOAD.ws} WebSockets from a separate process`);
  const clients = fork(path.join(ROOT, 'test/bench/realtime-clients.js'), [], {
    env: {
      ...process.env,
      BASE_URL: base,
      TOKEN: token,
      WORKSPACE_ID: workspace.id,
      SSE_CLIENTS: String(LOAD.sse),
      WS_CLIENTS: String(LOAD.ws),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  cleanup.track(clients);
  const connectStart = performance.now();
  const connected = await nextMessage(clients, 'connected', 120_000);
  const connectMs = performance.now() - connectStart;
  if (connected.failed > 0) throw new Error(`${connected.failed} connections failed to open`);
  await sleep(1000);
  const connections = LOAD.sse + LOAD.ws;
  const rssConnected = rssMiB(app.pid);

  progress(`creating ${LOAD.eventsPerSec} tasks/s for ${LOAD.durationSec} s`);
  const total = LOAD.eventsPerSec * LOAD.durationSec;
  const intervalMs = 1000 / LOAD.eventsPerSec;
  const started = performance.now();
  const cpu = { api: cpuSeconds(app.pid), worker: cpuSeconds(worker.pid), clients: cpuSeconds(clients.pid ?? 0) };
  /** @type {Promise<unknown>[]} */
  const inFlight = [];
  let failedCreates = 0;
  /** @type {string | undefined} */
  let firstFailure;
  for (let i = 0; i < total && !stopping; i += 1) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      createTask(`task ${i}`).catch((/** @type {unknown} */ error) => {
        failedCreates += 1;
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        firstFailure ??= error instanceof Error ? `${error.message}${cause}` : String(error);
      }),
    );
  }
  await Promise.all(inFlight);
  const sendSec = (performance.now() - started) / 1000;
  // Let the tail of the fan-out arrive.
  await sleep(2000);
  const wallSec = (performance.now() - started) / 1000;
  const cores = {
    api: (cpuSeconds(app.pid) - cpu.api) / wallSec,
    worker: (cpuSeconds(worker.pid) - cpu.worker) / wallSec,
    clients: (cpuSeconds(clients.pid ?? 0) - cpu.clients) / wallSec,
  };
  const rssLoaded = rssMiB(app.pid);
  const reportPromise = nextMessage(clients, 'report', 10_000);
  clients.send({ type: 'report' });
  const report = await reportPromise;
  const relay = relayDelay(await httpGet(`http://127.0.0.1:${workerPort}/metrics`, 5000).then((r) => r.body));
  await Promise.all([app.stop(), worker.stop()]);

  const delivered = total - failedCreates;
  /** @param {string} name @param {{ received: number, p50: number, p95: number, p99: number, max: number }} r @param {number} n */
  const row = (name, r, n) => [name, n, r.received, delivered * n, r.p50, r.p95, r.p99, r.max];
  console.log(
    `\nReal-time fan-out: ${LOAD.sse} SSE + ${LOAD.ws} WebSocket clients on one api, ` +
      `${delivered} task.created events in ${round(sendSec, 1)} s (${round(delivered / sendSec)} /s), ${os.cpus().length} cores, ` +
      `load average ${os.loadavg()[0].toFixed(1)}\n`,
  );
  console.log(
    formatTable([
      ['transport', 'clients', 'received', 'expected', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      row('SSE', report.sse, LOAD.sse),
      row('WebSocket', report.ws, LOAD.ws),
    ]),
  );
  console.log(
    `\napi RSS: ${round(rssBefore, 1)} MiB before, ${round(rssConnected, 1)} MiB with ${connections} connections ` +
      `(${round(((rssConnected - rssBefore) * 1024) / connections, 1)} KiB per connection), ${round(rssLoaded, 1)} MiB after the load`,
  );
  if (failedCreates > 0) {
    console.log(`${failedCreates} task creates failed; the first: ${firstFailure}`);
    const requestId = /"requestId":"([^"]+)"/.exec(firstFailure ?? '')?.[1];
    const logged = readFileSync(path.join(workDir, 'api.log'), 'utf8')
      .split('\n')
      .filter((line) => requestId !== undefined && line.includes(requestId));
    if (logged.length > 0) console.log(`the api logged for it:\n${logged.join('\n').slice(0, 3000)}`);
  }
  console.log(`connecting took ${round(connectMs)} ms; connections closed early: ${report.closedEarly}`);
  console.log(
    `CPU during the load (cores): api ${round(cores.api, 2)}, worker ${round(cores.worker, 2)}, clients ${round(cores.clients, 2)}`,
  );
  console.log(
    `outbox commit → enqueue (worker's outbox_relay_delay_seconds, whole run): mean ${round(relay.meanMs, 1)} ms over ${relay.count} events`,
  );
  const worst = Math.max(report.sse.p95, report.ws.p95);
  console.log(`target p95 < 150 ms: ${worst < 150 ? 'met' : 'NOT met'} (worst p95 ${worst} ms)`);
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
