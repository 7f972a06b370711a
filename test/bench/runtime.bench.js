// @ts-check
/**
 * `npm run bench:runtime`: the built apps on two Node.js runtimes side by side, in one run —
 * the machine's own Node 20 (`/usr/bin/node`, BENCH_NODE20 to override) and the project's
 * pinned Node 24 (`node_modules/.bin/node`). `npm run bench` is the same on the pinned Node only.
 *
 * Measured the way an outside harness does: each app is started by its package.json `start:*`
 * script (its command run as `npm run` runs it, `sh -c`, with the chosen Node first on PATH),
 * in production mode, stdout and stderr written to a file, RATE_LIMIT_PER_MINUTE raised so
 * nothing is answered 429.
 *
 * 1. Boot and idle RSS: spawn → first 200 on /health/ready (api; worker on WORKER_PORT), the
 *    CPU time (user + sys, all threads) the node process had used by then — steadier than the
 *    wall-clock time on a shared machine — then its RSS after 2 s idle; every app on every Node
 *    in turn, BENCH_BOOT_RUNS times, median. The bare reference (spawn → /health/live) is
 *    reported alongside.
 * 2. Throughput, wrk -t1 -c32: the bare NestJS Express app (`bare-nest.js`) `GET /health/live`,
 *    and the api's `GET /health/live`, authenticated `GET /v1/me` and a cached task read
 *    (`GET /v1/workspaces/:id/tasks/:id`, the same task every time), on both Nodes — all running
 *    at once, each warmed up, then BENCH_ROUNDS interleaved rounds over every target; median
 *    req/s and p99. Every answer must be 2xx: any other status or socket error fails the run.
 *
 * Targets on the pinned Node: boot < 2 s and idle RSS < 200 MiB per app; the api's
 * /health/live ≥ 40 % and /v1/me ≥ 25 % of the bare app's req/s; no api route below its
 * req/s on Node 20 measured in the same run.
 *
 * Own database and Redis key prefix, removed at the end (also on failure or Ctrl-C). Prints
 * tables, then one JSON line. Needs `npm run build` and `wrk` (apt-get install -y wrk).
 * Arguments: `--nodes=20,24` (default) or `--nodes=24`; `--routes=live,me,task` (default: all) to load
 * only some of the api's routes while iterating (the bare app always runs; a target whose route
 * was left out is reported as not measured).
 * Knobs: BENCH_DURATION (6 s), BENCH_WARMUP (2 s), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32),
 * BENCH_THREADS (1), BENCH_BOOT_RUNS (3), BENCH_NODE20 (/usr/bin/node), BENCH_KEEP_LOGS=1 (keep the
 * apps' logs, path printed), BENCH_STRICT=1 (exit 1 when a target is missed),
 * BENCH_NODE_OPTIONS (NODE_OPTIONS for the api and worker, to try V8 flags without editing the
 * start scripts).
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  api,
  assertBuilt,
  assertWrkInstalled,
  benchRun,
  Cleanup,
  cpuSeconds,
  createBenchTask,
  formatTable,
  freePort,
  generateSecrets,
  httpGet,
  knob,
  median,
  nodeVersionOf,
  packageScript,
  productionEnv,
  progress,
  ROOT,
  round,
  rssMiB,
  runWrk,
  signUpVerified,
  sleep,
  startApp,
} from './lib.js';

const LOAD = {
  threads: knob('BENCH_THREADS', 1),
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 6),
  warmupSec: knob('BENCH_WARMUP', 2),
  rounds: knob('BENCH_ROUNDS', 3),
};
const BOOT_RUNS = knob('BENCH_BOOT_RUNS', 3);
const IDLE_MS = 2000;
const TARGETS = { bootMs: 2000, rssMiB: 200, liveVsBare: 0.4, meVsBare: 0.25 };
const USER = { email: 'runtime-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

/** The runtimes compared: label → binary. */
const NODE_BINARIES = {
  20: process.env.BENCH_NODE20 || '/usr/bin/node',
  24: path.join(ROOT, 'node_modules/.bin/node'),
};
/** The pinned runtime, whose figures the targets apply to. */
const PINNED = '24';

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
 * @typedef {{ label: string, binary: string, version: string }} Runtime
 * @typedef {{ id: string, name: string, path: string, auth: boolean }} Route
 */

/** The api's routes under load (the bare app has only the first). @type {Route[]} */
const ALL_ROUTES = [
  { id: 'live', name: 'GET /health/live', path: '/health/live', auth: false },
  { id: 'me', name: 'GET /v1/me', path: '/v1/me', auth: true },
  { id: 'task', name: 'GET task (cached)', path: '', auth: true },
];
const [LIVE, ME] = ALL_ROUTES;

/** @param {string} argument */
function routesFromArguments(argument = process.argv.find((a) => a.startsWith('--routes=')) ?? '--routes=') {
  const ids = argument.slice('--routes='.length).split(',').filter(Boolean);
  for (const id of ids) {
    if (!ALL_ROUTES.some((route) => route.id === id)) throw new Error(`--routes takes live, me and/or task, not ${id}`);
  }
  return ids.length === 0 ? ALL_ROUTES : ALL_ROUTES.filter((route) => ids.includes(route.id));
}
const ROUTES = routesFromArguments();

/** @param {string} argument */
function nodesFromArguments(argument = process.argv.find((a) => a.startsWith('--nodes=')) ?? '--nodes=20,24') {
  const labels = argument.slice('--nodes='.length).split(',').filter(Boolean);
  for (const label of labels) {
    if (!(label in NODE_BINARIES)) throw new Error(`--nodes takes 20 and/or 24, not ${label}`);
  }
  return labels.map((label) => {
    const binary = NODE_BINARIES[/** @type {'20' | '24'} */ (label)];
    const version = nodeVersionOf(binary);
    if (!version.startsWith(`v${label}.`)) throw new Error(`${binary} is ${version}, expected Node ${label}`);
    return { label, binary, version };
  });
}

/**
 * Starts one app on one runtime, on fresh ports; resolves once it is ready. The api and the
 * worker through their start:* scripts, the bare app as `node bare-nest.js`.
 * @param {Run} run @param {Runtime} runtime @param {AppKind} kind @param {string} logName
 */
async function start(run, runtime, kind, logName) {
  throwIfInterrupted();
  const port = await freePort();
  const workerPort = await freePort();
  const env = {
    ...productionEnv({
      databaseUrl: run.databaseUrl,
      redisKeyPrefix: run.redisKeyPrefix,
      port,
      workerPort,
      secrets: run.secrets,
    }),
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...(kind !== 'bare' && process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
  };
  const app = await startApp({
    name: `${kind} (Node ${runtime.label})`,
    node: runtime.binary,
    ...(kind === 'bare' ? { script: 'test/bench/bare-nest.js' } : { npmScript: `start:${kind}` }),
    env,
    readyUrl: `http://127.0.0.1:${kind === 'worker' ? workerPort : port}/health/${kind === 'bare' ? 'live' : 'ready'}`,
    logFile: path.join(run.logDir, `${logName}.log`),
    // A deadline for a hung app, not a target: a busy machine can take many seconds.
    timeoutMs: 120_000,
    cleanup,
  });
  return { ...app, url: `http://127.0.0.1:${port}` };
}

/**
 * Phase 1: boot time and idle RSS, each app on each runtime started, measured and stopped in turn.
 * @param {Run} run @param {Runtime[]} runtimes
 */
async function measureBoot(run, runtimes) {
  /** @type {Record<string, Record<AppKind, { bootMs: number[], bootCpuMs: number[], rssMiB: number[] }>>} */
  const results = {};
  for (let i = 1; i <= BOOT_RUNS; i += 1) {
    for (const runtime of runtimes) {
      results[runtime.label] ??= {
        api: { bootMs: [], bootCpuMs: [], rssMiB: [] },
        worker: { bootMs: [], bootCpuMs: [], rssMiB: [] },
        bare: { bootMs: [], bootCpuMs: [], rssMiB: [] },
      };
      for (const kind of /** @type {AppKind[]} */ (['api', 'worker', 'bare'])) {
        const app = await start(run, runtime, kind, `boot-${runtime.label}-${kind}-${i}`);
        const bootCpuMs = cpuSeconds(app.pid) * 1000;
        await sleep(IDLE_MS);
        throwIfInterrupted();
        const rss = rssMiB(app.pid);
        const exit = await app.stop();
        if (exit.code !== 0) {
          throw new Error(`${app.name} did not exit cleanly on SIGTERM (${JSON.stringify(exit)}):\n${app.logTail()}`);
        }
        results[runtime.label][kind].bootMs.push(app.readyMs);
        results[runtime.label][kind].bootCpuMs.push(bootCpuMs);
        results[runtime.label][kind].rssMiB.push(rss);
        progress(
          `boot ${i}/${BOOT_RUNS} Node ${runtime.label} ${kind}: ready in ${round(app.readyMs)} ms ` +
            `(${round(bootCpuMs)} ms CPU), idle RSS ${round(rss, 1)} MiB`,
        );
      }
    }
  }
  return results;
}

/**
 * An access token from one api (its issuer is that api's PUBLIC_API_URL, so each api gets its
 * own); valid 15 minutes, longer than the load phase.
 * @param {string} base
 */
async function login(base) {
  const { accessToken } = /** @type {{ accessToken: string }} */ (
    await api(`${base}/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email: USER.email, password: USER.password }),
    })
  );
  return accessToken;
}

/**
 * A verified user with a workspace, a project and one task; returns the task's path.
 * @param {string} base @param {string} databaseUrl
 */
async function seed(base, databaseUrl) {
  // No worker runs during the load phase to send the verification mail: verified directly.
  const token = await signUpVerified(base, databaseUrl, USER);
  const { workspace, task } = await createBenchTask(base, token, { title: 'Read under load' });
  return `/v1/workspaces/${workspace.id}/tasks/${task.id}`;
}

/**
 * @typedef {{ key: string, runtime: Runtime, app: 'bare' | 'api', route: Route, url: string, pid: number,
 *   headers: Record<string, string> }} Target
 */

/**
 * One wrk run on a target, with the server's CPU use over it (cores = CPU seconds / wall seconds).
 * @param {Target} target @param {number} durationSec
 */
async function load(target, durationSec) {
  throwIfInterrupted();
  const cpuBefore = cpuSeconds(target.pid);
  const startedAt = performance.now();
  const result = await runWrk({
    url: target.url,
    headers: target.headers,
    threads: LOAD.threads,
    connections: LOAD.connections,
    durationSec,
    signal: interrupted.signal,
  });
  const serverCores = (cpuSeconds(target.pid) - cpuBefore) / ((performance.now() - startedAt) / 1000);
  const errors =
    result.non2xx3xx +
    result.socketErrors.connect +
    result.socketErrors.read +
    result.socketErrors.write +
    result.socketErrors.timeout;
  return { ...result, serverCores, errors };
}

/**
 * Phase 2: the bare app and the api on every runtime, all running; warm-up, then interleaved rounds.
 * @param {Run} run @param {Runtime[]} runtimes
 */
async function measureThroughput(run, runtimes) {
  /** @type {{ runtime: Runtime, bare: Awaited<ReturnType<typeof start>>, api: Awaited<ReturnType<typeof start>> }[]} */
  const apps = [];
  for (const runtime of runtimes) {
    apps.push({
      runtime,
      bare: await start(run, runtime, 'bare', `load-${runtime.label}-bare`),
      api: await start(run, runtime, 'api', `load-${runtime.label}-api`),
    });
  }
  progress('seeding a user, a workspace and a task');
  const taskPath = await seed(apps[0].api.url, run.databaseUrl);
  const tokens = await Promise.all(apps.map(({ api: apiApp }) => login(apiApp.url)));
  /** @type {Target[]} */
  const targets = apps.flatMap(({ runtime, bare, api: apiApp }, i) => [
    {
      key: `${runtime.label}/bare/${LIVE.name}`,
      runtime,
      app: /** @type {const} */ ('bare'),
      route: LIVE,
      url: `${bare.url}${LIVE.path}`,
      pid: bare.pid,
      headers: {},
    },
    ...ROUTES.map((route) => ({
      key: `${runtime.label}/api/${route.name}`,
      runtime,
      app: /** @type {const} */ ('api'),
      route,
      url: `${apiApp.url}${route.path || taskPath}`,
      pid: apiApp.pid,
      headers: /** @type {Record<string, string>} */ (route.auth ? { authorization: `Bearer ${tokens[i]}` } : {}),
    })),
  ]);
  for (const target of targets) {
    const res = await httpGet(target.url, 5000).catch((error) => ({ status: 0, body: String(error) }));
    if (target.route.auth) {
      // httpGet sends no headers: an authenticated route must refuse it, and answer with the token.
      const authed = await fetch(target.url, { headers: target.headers, signal: AbortSignal.timeout(5000) });
      if (authed.status !== 200) throw new Error(`${target.key} answered ${authed.status}: ${await authed.text()}`);
      if (res.status !== 401) throw new Error(`${target.key} answered ${res.status} without a token, expected 401`);
    } else if (res.status !== 200) {
      throw new Error(`${target.key} answered ${res.status}: ${res.body}`);
    }
  }

  progress(`warm-up: ${LOAD.warmupSec} s per target`);
  for (const target of targets) {
    const warm = await load(target, LOAD.warmupSec);
    if (warm.errors > 0) throw new Error(`${target.key}: ${warm.errors} non-2xx answers or socket errors in warm-up`);
  }
  const apiLogs = apps.map(({ runtime }) => path.join(run.logDir, `load-${runtime.label}-api.log`));
  const logBytesBefore = apiLogs.map((file) => statSync(file).size);
  /** @type {Record<string, Awaited<ReturnType<typeof load>>[]>} */
  const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
  let apiRequests = 0;
  for (let r = 1; r <= LOAD.rounds; r += 1) {
    for (const target of targets) {
      progress(`round ${r}/${LOAD.rounds} ${target.key}: wrk ${LOAD.durationSec} s`);
      const result = await load(target, LOAD.durationSec);
      runs[target.key].push(result);
      if (target.app === 'api') apiRequests += result.requests;
      progress(`  ${round(result.requestsPerSec)} req/s, p99 ${result.latencyMs.p99} ms`);
      if (result.errors > 0) {
        throw new Error(`${target.key}: ${result.errors} non-2xx answers or socket errors:\n${result.output}`);
      }
    }
  }
  const logBytes = apiLogs.reduce((sum, file, i) => sum + statSync(file).size - logBytesBefore[i], 0);
  for (const { bare, api: apiApp } of apps) await Promise.all([bare.stop(), apiApp.stop()]);
  return { targets, runs, accessLogBytesPerRequest: round(logBytes / apiRequests) };
}

/** @param {boolean} ok */
const verdict = (ok) => (ok ? 'yes' : 'NO');

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js', 'dist/worker/main.js']);
  const runtimes = nodesFromArguments();
  const {
    workDir: logDir,
    redisKeyPrefix,
    database,
  } = await benchRun(cleanup, 'runtime', { keep: process.env.BENCH_KEEP_LOGS === '1' });
  /** @type {Run} */
  const run = { databaseUrl: database.url, redisKeyPrefix, secrets: generateSecrets(), logDir };
  const loadBefore = os.loadavg();

  const boot = await measureBoot(run, runtimes);
  const throughput = await measureThroughput(run, runtimes);
  const loadAfter = os.loadavg();

  const figures = (/** @type {string} */ key) => {
    const runs = throughput.runs[key];
    return {
      rps: round(median(runs.map((r) => r.requestsPerSec))),
      p99Ms: round(median(runs.map((r) => r.latencyMs.p99)), 2),
      serverCores: round(median(runs.map((r) => r.serverCores)), 2),
      runsRps: runs.map((r) => round(r.requestsPerSec)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
  };
  const bootFigures = (/** @type {string} */ label, /** @type {AppKind} */ kind) => ({
    bootMs: round(median(boot[label][kind].bootMs)),
    bootCpuMs: round(median(boot[label][kind].bootCpuMs)),
    rssMiB: round(median(boot[label][kind].rssMiB), 1),
    bootRunsMs: boot[label][kind].bootMs.map((v) => round(v)),
    bootCpuRunsMs: boot[label][kind].bootCpuMs.map((v) => round(v)),
    rssRunsMiB: boot[label][kind].rssMiB.map((v) => round(v, 1)),
  });
  /** @type {Record<string, { version: string, bare: ReturnType<typeof figures>,
   *   routes: Record<string, ReturnType<typeof figures> & { vsBare: number }>,
   *   boot: Record<AppKind, ReturnType<typeof bootFigures>> }>} */
  const byRuntime = {};
  for (const runtime of runtimes) {
    const bare = figures(`${runtime.label}/bare/${LIVE.name}`);
    byRuntime[runtime.label] = {
      version: runtime.version,
      bare,
      routes: Object.fromEntries(
        ROUTES.map((route) => {
          const f = figures(`${runtime.label}/api/${route.name}`);
          return [route.name, { ...f, vsBare: round(f.rps / bare.rps, 3) }];
        }),
      ),
      boot: {
        api: bootFigures(runtime.label, 'api'),
        worker: bootFigures(runtime.label, 'worker'),
        bare: bootFigures(runtime.label, 'bare'),
      },
    };
  }

  const labels = runtimes.map((r) => r.label);
  const pinned = byRuntime[PINNED];
  const older = labels.find((label) => label !== PINNED);
  /** @type {Record<string, boolean>} */
  const met = {};
  if (pinned) {
    met.apiBoot = pinned.boot.api.bootMs < TARGETS.bootMs;
    met.workerBoot = pinned.boot.worker.bootMs < TARGETS.bootMs;
    met.apiRss = pinned.boot.api.rssMiB < TARGETS.rssMiB;
    met.workerRss = pinned.boot.worker.rssMiB < TARGETS.rssMiB;
    if (ROUTES.includes(LIVE)) met.liveVsBare = pinned.routes[LIVE.name].vsBare >= TARGETS.liveVsBare;
    if (ROUTES.includes(ME)) met.meVsBare = pinned.routes[ME.name].vsBare >= TARGETS.meVsBare;
    if (older) {
      met.noRouteBelowOlderNode = ROUTES.every(
        (route) => pinned.routes[route.name].rps >= byRuntime[older].routes[route.name].rps,
      );
    }
  }

  const wrkLine = `wrk ${wrkVersion} -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.durationSec}s`;
  console.log(
    `\n${wrkLine}; ${LOAD.warmupSec} s warm-up per target, then ${LOAD.rounds} interleaved rounds; medians` +
      ` (${os.cpus().length} CPUs; load average ${loadBefore.map((l) => round(l, 2)).join(' ')} at the start,` +
      ` ${loadAfter.map((l) => round(l, 2)).join(' ')} at the end)\n`,
  );
  const perRuntime = (/** @type {(label: string) => string | number} */ cell) => labels.map(cell);
  console.log(
    formatTable([
      ['target', ...labels.flatMap((l) => [`Node ${l} req/s`, `p99 ms`, `vs bare`])],
      ['bare GET /health/live', ...labels.flatMap((l) => [byRuntime[l].bare.rps, byRuntime[l].bare.p99Ms, ''])],
      ...ROUTES.map((route) => [
        `api ${route.name}`,
        ...labels.flatMap((l) => {
          const f = byRuntime[l].routes[route.name];
          return [f.rps, f.p99Ms, `${round(f.vsBare * 100, 1)} %`];
        }),
      ]),
    ]),
  );
  console.log('');
  console.log(
    formatTable([
      [
        'app',
        ...perRuntime((l) => `Node ${l} boot ms`),
        ...perRuntime((l) => `Node ${l} boot CPU ms`),
        ...perRuntime((l) => `Node ${l} idle RSS MiB`),
      ],
      .../** @type {AppKind[]} */ (['api', 'worker', 'bare']).map((kind) => [
        kind,
        ...perRuntime((l) => byRuntime[l].boot[kind].bootMs),
        ...perRuntime((l) => byRuntime[l].boot[kind].bootCpuMs),
        ...perRuntime((l) => byRuntime[l].boot[kind].rssMiB),
      ]),
    ]),
  );
  if (pinned) {
    /** @param {string} label @param {Route} route @param {boolean | undefined} ok */
    const ratioRow = (label, route, ok) =>
      ok === undefined
        ? [label, 'not measured', '-']
        : [label, `${round(pinned.routes[route.name].vsBare * 100, 1)} %`, verdict(ok)];
    console.log(`\nTargets on Node ${PINNED} (${pinned.version}):`);
    console.log(
      formatTable([
        ['target', 'figure', 'met'],
        [`api boot < ${TARGETS.bootMs} ms`, pinned.boot.api.bootMs, verdict(met.apiBoot)],
        [`worker boot < ${TARGETS.bootMs} ms`, pinned.boot.worker.bootMs, verdict(met.workerBoot)],
        [`api idle RSS < ${TARGETS.rssMiB} MiB`, pinned.boot.api.rssMiB, verdict(met.apiRss)],
        [`worker idle RSS < ${TARGETS.rssMiB} MiB`, pinned.boot.worker.rssMiB, verdict(met.workerRss)],
        ratioRow(`/health/live >= ${TARGETS.liveVsBare * 100} % of bare`, LIVE, met.liveVsBare),
        ratioRow(`/v1/me >= ${TARGETS.meVsBare * 100} % of bare`, ME, met.meVsBare),
        ...(older
          ? [[`no api route below Node ${older}`, '', verdict(/** @type {boolean} */ (met.noRouteBelowOlderNode))]]
          : []),
      ]),
    );
  }
  console.log(`\nAll ${LOAD.rounds} rounds of every target: 0 non-2xx answers, 0 socket errors.`);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'runtime',
      at: new Date().toISOString(),
      cpus: os.cpus().length,
      loadAverage: { start: loadBefore, end: loadAfter },
      wrk: { version: wrkVersion, ...LOAD },
      startScripts: { api: packageScript('start:api'), worker: packageScript('start:worker') },
      nodeOptions: process.env.BENCH_NODE_OPTIONS ?? '',
      accessLogBytesPerRequest: throughput.accessLogBytesPerRequest,
      runtimes: byRuntime,
      targets: { ...TARGETS, met },
    }),
  );
  return Object.values(met).every(Boolean);
}

let exitCode = 0;
try {
  const allMet = await main();
  if (!allMet && process.env.BENCH_STRICT === '1') exitCode = 1;
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
