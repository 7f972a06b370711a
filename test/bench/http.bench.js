// @ts-check
/**
 * `npm run bench`: the HTTP edge of the api against a bare NestJS app, in one run on this
 * machine (absolute figures mean little here, docs/architecture.md, runtime facts).
 *
 * 1. Boot: spawn → first 200 on /health/ready, for the built api (`dist/api/main.js`) and worker
 *    (`dist/worker/main.js`, its WORKER_PORT), then the RSS after 2 s idle. Repeated, median.
 *    Targets: boot < 2 s, idle RSS < 200 MiB. The bare app (spawn → /health/live) is reported
 *    as a reference.
 * 2. Throughput: `GET /health/live` with wrk (-t1 -c32) on the bare app (`bare-nest.js`, Express,
 *    `logger: false`) and on the api (production mode, access log at LOG_LEVEL=info written to a
 *    file), each warmed up, then measured alternately (bare, api, bare, api). Median req/s and
 *    p99 per target; target: api ≥ 70 % of bare.
 *
 * The apps run with NODE_ENV=production against a database and a Redis key prefix of their own,
 * both removed at the end — also on failure or Ctrl-C. Prints a table, then one JSON line.
 * Needs `npm run build` and `wrk` (apt-get install -y wrk).
 * Knobs: BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_CONNECTIONS (32), BENCH_THREADS (1),
 * BENCH_ROUNDS (2), BENCH_BOOT_RUNS (3), BENCH_KEEP_LOGS=1 (keep the apps' logs, path printed),
 * BENCH_STRICT=1 (exit 1 when a target is missed).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  assertBuilt,
  assertWrkInstalled,
  Cleanup,
  cpuSeconds,
  createBenchDatabase,
  deleteRedisKeys,
  formatTable,
  freePort,
  generateSecrets,
  httpGet,
  median,
  productionEnv,
  randomRedisPrefix,
  round,
  rssMiB,
  runWrk,
  sleep,
  startApp,
  knob,
  progress,
} from './lib.js';

const LOAD = {
  threads: knob('BENCH_THREADS', 1),
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 10),
  warmupSec: knob('BENCH_WARMUP', 3),
  rounds: knob('BENCH_ROUNDS', 2),
};
const BOOT_RUNS = knob('BENCH_BOOT_RUNS', 3);
const IDLE_MS = 2000;
const TARGETS = { ratio: 0.7, bootMs: 2000, rssMiB: 200 };
const EXPECTED_BODY = '{"status":"ok"}';

const API = 'dist/api/main.js';
const WORKER = 'dist/worker/main.js';
const BARE = 'test/bench/bare-nest.js';

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

function throwIfInterrupted() {
  if (interrupted.signal.aborted) throw new Error('interrupted');
}

/**
 * @typedef {{ databaseUrl: string, redisKeyPrefix: string, secrets: ReturnType<typeof generateSecrets>,
 *   logDir: string }} Run
 * @typedef {'api' | 'worker' | 'bare'} AppKind
 */

/**
 * Starts one app on fresh ports; resolves once it is ready (the bare app has only /health/live).
 * @param {Run} run @param {AppKind} kind @param {string} logName
 */
async function start(run, kind, logName) {
  throwIfInterrupted();
  const port = await freePort();
  const workerPort = await freePort();
  const env = productionEnv({
    databaseUrl: run.databaseUrl,
    redisKeyPrefix: run.redisKeyPrefix,
    port,
    workerPort,
    secrets: run.secrets,
  });
  const probePort = kind === 'worker' ? workerPort : port;
  const app = await startApp({
    name: kind,
    script: kind === 'api' ? API : kind === 'worker' ? WORKER : BARE,
    env,
    readyUrl: `http://127.0.0.1:${probePort}/health/${kind === 'bare' ? 'live' : 'ready'}`,
    logFile: path.join(run.logDir, `${logName}.log`),
    cleanup,
  });
  return { ...app, url: `http://127.0.0.1:${port}` };
}

/**
 * Phase 1: boot time and idle RSS, each app started, measured and stopped in turn.
 * @param {Run} run
 */
async function measureBoot(run) {
  /** @type {Record<AppKind, { bootMs: number[], rssMiB: number[] }>} */
  const results = {
    api: { bootMs: [], rssMiB: [] },
    worker: { bootMs: [], rssMiB: [] },
    bare: { bootMs: [], rssMiB: [] },
  };
  for (let i = 1; i <= BOOT_RUNS; i += 1) {
    for (const kind of /** @type {AppKind[]} */ (['api', 'worker', 'bare'])) {
      const app = await start(run, kind, `boot-${kind}-${i}`);
      await sleep(IDLE_MS);
      throwIfInterrupted();
      const rss = rssMiB(app.pid);
      const exit = await app.stop();
      if (exit.code !== 0) {
        throw new Error(`${kind} did not exit cleanly on SIGTERM (${JSON.stringify(exit)}):\n${app.logTail()}`);
      }
      results[kind].bootMs.push(app.readyMs);
      results[kind].rssMiB.push(rss);
      progress(`boot ${i}/${BOOT_RUNS} ${kind}: ready in ${round(app.readyMs)} ms, idle RSS ${round(rss, 1)} MiB`);
    }
  }
  return results;
}

/**
 * One wrk run, with the server's CPU use over it (cores = CPU seconds / wall seconds).
 * @param {{ pid: number, url: string }} app @param {number} durationSec
 */
async function load(app, durationSec) {
  throwIfInterrupted();
  const cpuBefore = cpuSeconds(app.pid);
  const startedAt = performance.now();
  const result = await runWrk({
    url: `${app.url}/health/live`,
    threads: LOAD.threads,
    connections: LOAD.connections,
    durationSec,
    signal: interrupted.signal,
  });
  const cores = (cpuSeconds(app.pid) - cpuBefore) / ((performance.now() - startedAt) / 1000);
  return { ...result, serverCores: cores };
}

/** @param {{ url: string }} app @param {string} label */
async function checkResponse(app, label) {
  const res = await httpGet(`${app.url}/health/live`);
  if (res.status !== 200 || res.body !== EXPECTED_BODY) {
    throw new Error(`${label} answered ${res.status} ${res.body}, expected 200 ${EXPECTED_BODY}`);
  }
  const headerBytes = Object.entries(res.headers).reduce(
    (sum, [name, value]) => sum + name.length + String(value).length + 4,
    0,
  );
  return { headerCount: Object.keys(res.headers).length, headerBytes };
}

/**
 * Phase 2: wrk against the bare app and the api, both running, alternately.
 * @param {Run} run
 */
async function measureThroughput(run) {
  const bare = await start(run, 'bare', 'load-bare');
  const api = await start(run, 'api', 'load-api');
  const responses = { bare: await checkResponse(bare, 'bare app'), api: await checkResponse(api, 'api') };

  progress(`warm-up: ${LOAD.warmupSec} s each`);
  await load(bare, LOAD.warmupSec);
  await load(api, LOAD.warmupSec);
  // Only the api writes this log, one access-log line per request.
  const apiLog = path.join(run.logDir, 'load-api.log');
  const apiLogBytesBefore = statSync(apiLog).size;
  /** @type {{ bare: Awaited<ReturnType<typeof load>>[], api: Awaited<ReturnType<typeof load>>[] }} */
  const runs = { bare: [], api: [] };
  let apiRequests = 0;
  for (let round_ = 1; round_ <= LOAD.rounds; round_ += 1) {
    for (const [kind, app] of /** @type {const} */ ([
      ['bare', bare],
      ['api', api],
    ])) {
      progress(`round ${round_}/${LOAD.rounds} ${kind}: wrk ${LOAD.durationSec} s`);
      const result = await load(app, LOAD.durationSec);
      runs[kind].push(result);
      if (kind === 'api') apiRequests += result.requests;
      progress(`  ${round(result.requestsPerSec)} req/s, p99 ${result.latencyMs.p99} ms`);
    }
  }
  const apiLogBytes = statSync(apiLog).size - apiLogBytesBefore;
  await Promise.all([bare.stop(), api.stop()]);
  return { runs, responses, apiLogBytes, apiRequests };
}

/** @param {boolean} ok */
const verdict = (ok) => (ok ? 'yes' : 'NO');

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt([API, WORKER]);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-http-'));
  if (process.env.BENCH_KEEP_LOGS === '1') progress(`logs kept in ${logDir}`);
  else cleanup.add('remove logs', () => rmSync(logDir, { recursive: true, force: true }));
  const redisKeyPrefix = randomRedisPrefix();
  cleanup.add(`delete Redis keys ${redisKeyPrefix}:*`, async () => {
    const deleted = await deleteRedisKeys(redisKeyPrefix);
    progress(`deleted ${deleted} Redis keys of ${redisKeyPrefix}`);
  });
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(cleanup);
  /** @type {Run} */
  const run = { databaseUrl: database.url, redisKeyPrefix, secrets: generateSecrets(), logDir };

  const boot = await measureBoot(run);
  const throughput = await measureThroughput(run);

  const figures = (/** @type {'bare' | 'api'} */ kind) => {
    const runs = throughput.runs[kind];
    return {
      rps: round(median(runs.map((r) => r.requestsPerSec))),
      p50Ms: round(median(runs.map((r) => r.latencyMs.p50)), 2),
      p99Ms: round(median(runs.map((r) => r.latencyMs.p99)), 2),
      serverCores: round(median(runs.map((r) => r.serverCores)), 2),
      bytesPerResponse: round(median(runs.map((r) => r.bytesRead / r.requests))),
      headers: throughput.responses[kind].headerCount,
      errors: runs.reduce(
        (sum, r) =>
          sum +
          r.non2xx3xx +
          r.socketErrors.connect +
          r.socketErrors.read +
          r.socketErrors.write +
          r.socketErrors.timeout,
        0,
      ),
      runs: runs.map((r) => ({
        rps: round(r.requestsPerSec),
        p99Ms: r.latencyMs.p99,
        serverCores: round(r.serverCores, 2),
      })),
    };
  };
  const bare = figures('bare');
  const api = figures('api');
  const ratio = api.rps / bare.rps;
  const bootFigures = (/** @type {AppKind} */ kind) => ({
    bootMs: round(median(boot[kind].bootMs)),
    rssMiB: round(median(boot[kind].rssMiB), 1),
    bootRunsMs: boot[kind].bootMs.map((v) => round(v)),
    rssRunsMiB: boot[kind].rssMiB.map((v) => round(v, 1)),
  });
  const apiBoot = bootFigures('api');
  const workerBoot = bootFigures('worker');
  const bareBoot = bootFigures('bare');
  const targets = {
    ratio: ratio >= TARGETS.ratio,
    apiBoot: apiBoot.bootMs < TARGETS.bootMs,
    workerBoot: workerBoot.bootMs < TARGETS.bootMs,
    apiRss: apiBoot.rssMiB < TARGETS.rssMiB,
    workerRss: workerBoot.rssMiB < TARGETS.rssMiB,
  };
  const logBytesPerRequest = round(throughput.apiLogBytes / throughput.apiRequests);

  const wrkLine = `wrk ${wrkVersion} -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.durationSec}s --latency`;
  console.log(
    `\nGET /health/live — ${wrkLine}; ${LOAD.warmupSec} s warm-up each, then ${LOAD.rounds} alternating rounds` +
      ` (node ${process.version}, ${os.cpus().length} CPUs)\n`,
  );
  console.log(
    formatTable([
      ['round', 'target', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server cores', 'errors'],
      ...Array.from({ length: LOAD.rounds }, (_, i) =>
        /** @type {const} */ (['bare', 'api']).map((kind) => {
          const r = throughput.runs[kind][i];
          const errors =
            r.non2xx3xx + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout;
          return [
            i + 1,
            kind,
            round(r.requestsPerSec),
            r.latencyMs.p50,
            r.latencyMs.p99,
            r.latencyMs.max,
            round(r.serverCores, 2),
            errors,
          ];
        }),
      ).flat(),
    ]),
  );
  console.log('');
  console.log(
    formatTable([
      ['figure', 'bare', 'api', 'worker', 'target', 'met'],
      ['req/s (median)', bare.rps, api.rps, '', '', ''],
      ['api / bare', '', `${round(ratio * 100, 1)} %`, '', `>= ${TARGETS.ratio * 100} %`, verdict(targets.ratio)],
      ['p50 latency ms (median)', bare.p50Ms, api.p50Ms, '', '', ''],
      ['p99 latency ms (median)', bare.p99Ms, api.p99Ms, '', '', ''],
      ['server CPU cores under load', bare.serverCores, api.serverCores, '', '', ''],
      ['bytes per response (headers + body)', bare.bytesPerResponse, api.bytesPerResponse, '', '', ''],
      ['access-log bytes per request', 0, logBytesPerRequest, '', '', ''],
      [
        `spawn → ready ms (median of ${BOOT_RUNS})`,
        bareBoot.bootMs,
        apiBoot.bootMs,
        workerBoot.bootMs,
        `< ${TARGETS.bootMs}`,
        verdict(targets.apiBoot && targets.workerBoot),
      ],
      [
        `idle RSS MiB (median of ${BOOT_RUNS})`,
        bareBoot.rssMiB,
        apiBoot.rssMiB,
        workerBoot.rssMiB,
        `< ${TARGETS.rssMiB}`,
        verdict(targets.apiRss && targets.workerRss),
      ],
    ]),
  );
  const errors = bare.errors + api.errors;
  if (errors > 0) console.log(`\nWARNING: ${errors} non-2xx responses or socket errors: the figures are suspect.`);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'http',
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      wrk: { version: wrkVersion, ...LOAD },
      bare,
      api: { ...api, accessLogBytesPerRequest: logBytesPerRequest },
      ratio: round(ratio, 3),
      boot: { runs: BOOT_RUNS, idleMs: IDLE_MS, api: apiBoot, worker: workerBoot, bare: bareBoot },
      targets: { ...TARGETS, met: targets },
    }),
  );
  return Object.values(targets).every(Boolean);
}

let exitCode = 0;
try {
  const met = await main();
  if (!met && process.env.BENCH_STRICT === '1') exitCode = 1;
} catch (error) {
  // After Ctrl-C the steps in flight fail as their children are killed: not worth reporting.
  if (!interrupted.signal.aborted) {
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  exitCode = 1;
} finally {
  await cleanup.run();
}
process.exit(exitCode);
