// @ts-check
/**
 * `npm run bench:memory`: does the api's memory grow without bound under sustained load, and
 * what is it made of? The built api, started by `npm run start:api` in production mode (logs to
 * a file at `info`, as `bench:runtime` runs it), under wrk `-t1 -c32` on each route in turn —
 * `/health/live`, authenticated `GET /v1/me`, a cached task read — for BENCH_ROUNDS rounds of
 * BENCH_DURATION s. During each round the api's RSS is sampled every second (mean and peak);
 * after each round a full garbage collection is forced through the inspector protocol and the
 * process is read again: RSS, V8 heap used and committed, external memory, and how much of the
 * RSS sits in glibc malloc's arenas (the brk heap and the 64 MiB thread arenas of
 * /proc/<pid>/smaps). A leak shows as heap used after GC rising round after round; a plateau
 * as the same figure every round, whatever the RSS under load.
 *
 * Variants run side by side with the baseline, their rounds interleaved with its rounds:
 * BENCH_VARIANTS='name:KEY=value,KEY=value;name2:…' sets environment variables for one api
 * (e.g. `arena2:MALLOC_ARENA_MAX=2`, `old256:NODE_OPTIONS=--max-old-space-size=256`).
 *
 * The forced GC after each round also resets V8's heap growth, so the RSS under load of the next
 * round starts low; BENCH_GC_EACH_ROUND=0 forces it only after a route's last round, and the
 * rounds before it show the RSS a process reaches when only V8 decides when to collect.
 *
 * Knobs: BENCH_DURATION (30 s), BENCH_ROUNDS (4), BENCH_ROUTES (live,me,task), BENCH_VARIANTS,
 * BENCH_GC_EACH_ROUND (1).
 * Own database and Redis key prefix, removed at the end. Needs `npm run build` and `wrk`.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import WebSocket from 'ws';
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
  knob,
  median,
  progress,
  round,
  rssMiB,
  runWrk,
  signUpVerified,
  sleep,
  startBenchApi,
} from './lib.js';

const DURATION_SEC = knob('BENCH_DURATION', 30);
const ROUNDS = knob('BENCH_ROUNDS', 4);
const ROUTES = (process.env.BENCH_ROUTES || 'live,me,task').split(',');
const GC_EACH_ROUND = process.env.BENCH_GC_EACH_ROUND !== '0';
const USER = { email: 'memory-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };
const MiB = 1024 * 1024;

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @typedef {{ name: string, env: Record<string, string> }} Variant */

/** The baseline and BENCH_VARIANTS. @returns {Variant[]} */
function variants() {
  const spec = process.env.BENCH_VARIANTS ?? '';
  return [
    { name: 'baseline', env: {} },
    ...spec
      .split(';')
      .filter(Boolean)
      .map((entry) => {
        const colon = entry.indexOf(':');
        if (colon < 1) throw new Error(`BENCH_VARIANTS entry "${entry}" is not name:KEY=value,…`);
        const pairs = entry
          .slice(colon + 1)
          .split(',')
          .filter(Boolean)
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 1) throw new Error(`BENCH_VARIANTS: "${pair}" is not KEY=value`);
            return [pair.slice(0, eq), pair.slice(eq + 1)];
          });
        return { name: entry.slice(0, colon), env: Object.fromEntries(pairs) };
      }),
  ];
}

/**
 * Resident memory in glibc malloc's arenas, MiB: the main arena (the brk `[heap]`) and each
 * thread arena (a 64 MiB-aligned read-write mapping followed by its reserved, inaccessible rest).
 * @param {number} pid
 */
export function mallocArenasMiB(pid) {
  const ARENA = 64n * 1024n * 1024n;
  /** @type {{ start: bigint, end: bigint, perms: string, path: string, rssKiB: number }[]} */
  const maps = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      maps.push({
        start: BigInt(`0x${header[1]}`),
        end: BigInt(`0x${header[2]}`),
        perms: header[3],
        path: header[4],
        rssKiB: 0,
      });
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length > 0) maps[maps.length - 1].rssKiB = Number(rss[1]);
  }
  let kib = 0;
  maps.forEach((map, i) => {
    const rest = maps[i + 1];
    const threadArena =
      map.path === '' &&
      map.perms === 'rw-p' &&
      map.start % ARENA === 0n &&
      rest?.start === map.end &&
      rest.path === '' &&
      rest.perms === '---p' &&
      rest.end - map.start === ARENA;
    if (map.path === '[heap]' || threadArena) kib += map.rssKiB;
  });
  return kib / 1024;
}

/**
 * Forces two full garbage collections in the process behind an inspector port, then reads its
 * `process.memoryUsage()` and RSS.
 * @param {number} inspectPort @param {number} pid
 */
async function afterFullGc(inspectPort, pid) {
  const targets = /** @type {{ webSocketDebuggerUrl: string }[]} */ (
    await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()
  );
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 0;
  /** @type {Map<number, (result: unknown) => void>} */
  const pending = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  /** @param {string} method @param {object} [params] @returns {Promise<any>} */
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      nextId += 1;
      pending.set(nextId, resolve);
      socket.send(JSON.stringify({ id: nextId, method, params }));
    });
  try {
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const { result } = await send('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = /** @type {NodeJS.MemoryUsage} */ (JSON.parse(result.value));
    return {
      rssMiB: rssMiB(pid),
      heapUsedMiB: usage.heapUsed / MiB,
      heapTotalMiB: usage.heapTotal / MiB,
      externalMiB: usage.external / MiB,
      mallocMiB: mallocArenasMiB(pid),
    };
  } finally {
    socket.close();
  }
}

/**
 * @typedef {Awaited<ReturnType<typeof afterFullGc>>} GcReading
 * @typedef {{ route: string, round: number, rps: number, cpuUsPerRequest: number, meanRssMiB: number,
 *   peakRssMiB: number, gc: GcReading | undefined }} RoundResult
 */

async function main() {
  assertWrkInstalled();
  assertBuilt(['dist/api/main.js']);
  const loadBefore = os.loadavg();
  const run = await benchRun(cleanup, 'memory');
  const secrets = generateSecrets();
  const apps = [];
  for (const variant of variants()) {
    const inspectPort = await freePort();
    const nodeOptions = [variant.env.NODE_OPTIONS, `--inspect=127.0.0.1:${inspectPort}`].filter(Boolean).join(' ');
    const { app, base } = await startBenchApi(run, {
      name: `api (${variant.name})`,
      logName: variant.name,
      secrets,
      cleanup,
      env: { LOG_LEVEL: 'info', ...variant.env, NODE_OPTIONS: nodeOptions },
    });
    apps.push({
      variant,
      app,
      base,
      inspectPort,
      token: '',
      idleRssMiB: 0,
      idle: /** @type {GcReading | undefined} */ (undefined),
      rounds: /** @type {RoundResult[]} */ ([]),
    });
  }
  await sleep(2000);
  for (const entry of apps) {
    entry.idleRssMiB = rssMiB(entry.app.pid);
    entry.idle = await afterFullGc(entry.inspectPort, entry.app.pid);
  }
  progress('seeding a user, a workspace and a task');
  const token = await signUpVerified(apps[0].base, run.database.url, USER);
  const { workspace, task } = await createBenchTask(apps[0].base, token, { title: 'Read under load' });
  for (const entry of apps) {
    // Each api signs with its own issuer (its PUBLIC_API_URL): a token per api.
    const { accessToken } = /** @type {{ accessToken: string }} */ (
      await api(`${entry.base}/v1/auth/login`, {
        method: 'POST',
        body: JSON.stringify({ email: USER.email, password: USER.password }),
      })
    );
    entry.token = accessToken;
  }
  /** @param {string} route */
  const pathOf = (route) =>
    route === 'live' ? '/health/live' : route === 'me' ? '/v1/me' : `/v1/workspaces/${workspace.id}/tasks/${task.id}`;

  for (const route of ROUTES) {
    if (!['live', 'me', 'task'].includes(route)) throw new Error(`BENCH_ROUTES takes live, me and task, not ${route}`);
    for (let r = 1; r <= ROUNDS; r += 1) {
      // Rotated, so that no variant always follows the same one.
      for (let k = 0; k < apps.length; k += 1) {
        const entry = apps[(k + r) % apps.length];
        const samples = /** @type {number[]} */ ([]);
        const sampler = setInterval(() => samples.push(rssMiB(entry.app.pid)), 1000);
        const cpuBefore = cpuSeconds(entry.app.pid);
        const result = await runWrk({
          url: `${entry.base}${pathOf(route)}`,
          headers: route === 'live' ? {} : { authorization: `Bearer ${entry.token}` },
          durationSec: DURATION_SEC,
        }).finally(() => clearInterval(sampler));
        const errors = result.non2xx3xx + Object.values(result.socketErrors).reduce((sum, count) => sum + count, 0);
        if (errors > 0) throw new Error(`${entry.variant.name} ${route}: ${errors} non-2xx answers or socket errors`);
        const cpuUsPerRequest = ((cpuSeconds(entry.app.pid) - cpuBefore) * 1e6) / result.requests;
        const gc = GC_EACH_ROUND || r === ROUNDS ? await afterFullGc(entry.inspectPort, entry.app.pid) : undefined;
        /** @type {RoundResult} */
        const roundResult = {
          route,
          round: r,
          rps: result.requestsPerSec,
          cpuUsPerRequest,
          meanRssMiB: samples.reduce((sum, v) => sum + v, 0) / samples.length,
          peakRssMiB: Math.max(...samples),
          gc,
        };
        entry.rounds.push(roundResult);
        progress(
          `${route} round ${r}/${ROUNDS} ${entry.variant.name}: ${round(result.requestsPerSec)} req/s, RSS mean ` +
            `${round(roundResult.meanRssMiB, 1)} peak ${round(roundResult.peakRssMiB, 1)} MiB` +
            (gc ? `; after GC RSS ${round(gc.rssMiB, 1)}, heap used ${round(gc.heapUsedMiB, 1)} MiB` : '') +
            ` (load ${round(os.loadavg()[0], 2)})`,
        );
      }
    }
  }
  progress('30 s idle after the load');
  await sleep(30_000);
  const settled = apps.map((entry) => ({ rssMiB: rssMiB(entry.app.pid), mallocMiB: mallocArenasMiB(entry.app.pid) }));
  const loadAfter = os.loadavg();
  for (const entry of apps) await entry.app.stop();

  const mib = (/** @type {number} */ v) => round(v, 1);
  console.log(
    `\nwrk -t1 -c32, ${ROUNDS} rounds × ${DURATION_SEC} s per route, variants interleaved (${os.cpus().length} CPUs;` +
      ` load average ${loadBefore.map((l) => round(l, 2)).join(' ')} at the start,` +
      ` ${loadAfter.map((l) => round(l, 2)).join(' ')} at the end)\n`,
  );
  console.log('Per round: RSS under load, then after a forced full GC (MiB)\n');
  console.log(
    formatTable([
      [
        'variant',
        'route',
        'round',
        'req/s',
        'CPU µs/req',
        'RSS mean',
        'RSS peak',
        'RSS',
        'heap used',
        'heap total',
        'external',
        'malloc',
      ],
      ...apps.flatMap((entry) => [
        [
          entry.variant.name,
          'idle',
          '',
          '',
          '',
          mib(entry.idleRssMiB),
          '',
          ...gcCells(/** @type {GcReading} */ (entry.idle)),
        ],
        ...entry.rounds.map((r) => [
          entry.variant.name,
          r.route,
          r.round,
          round(r.rps),
          round(r.cpuUsPerRequest),
          mib(r.meanRssMiB),
          mib(r.peakRssMiB),
          ...gcCells(r.gc),
        ]),
      ]),
    ]),
  );
  console.log('\nSummary per variant (medians over every round of every route)\n');
  console.log(
    formatTable([
      [
        'variant',
        'idle RSS',
        ...ROUTES.map((route) => `${route} req/s`),
        'RSS mean',
        'RSS peak (max)',
        'heap used after GC: first → last round',
        'RSS 30 s after',
        'malloc 30 s after',
      ],
      ...apps.map((entry, i) => {
        const readings = entry.rounds.flatMap((r) => (r.gc ? [r.gc.heapUsedMiB] : []));
        const first = readings[0];
        const last = readings[readings.length - 1];
        return [
          entry.variant.name,
          mib(entry.idleRssMiB),
          ...ROUTES.map((route) => round(median(entry.rounds.filter((r) => r.route === route).map((r) => r.rps)))),
          mib(median(entry.rounds.map((r) => r.meanRssMiB))),
          mib(Math.max(...entry.rounds.map((r) => r.peakRssMiB))),
          `${mib(first)} → ${mib(last)}`,
          mib(settled[i].rssMiB),
          mib(settled[i].mallocMiB),
        ];
      }),
    ]),
  );
}

/** @param {GcReading | undefined} gc */
function gcCells(gc) {
  if (gc === undefined) return ['', '', '', '', ''];
  return [gc.rssMiB, gc.heapUsedMiB, gc.heapTotalMiB, gc.externalMiB, gc.mallocMiB].map((v) => round(v, 1));
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
