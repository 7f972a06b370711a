// @ts-check
/**
 * `npm run bench:tracing`: what OpenTelemetry tracing costs the api, in one run on this machine.
 *
 * One database and user, a task read once so it is cached; then one built api per configuration
 * is started through `npm run start:api` (production mode, logs to a file), all running at once:
 *   - `none`: no OTEL_EXPORTER_OTLP_ENDPOINT, the SDK not loaded (the reference);
 *   - `sampled 0.1`: exporting over OTLP/HTTP (protobuf) to its own receiver on 127.0.0.1 that
 *     only counts, `parentbased_traceidratio` 0.1;
 *   - `sampled 1.0`: the same with every trace sampled;
 *   - `unreachable`: sampling 1.0 towards a port nothing listens on;
 *   - `none again`: a second api without the SDK, started last: how far two processes of the same
 *     build differ on this machine (always measured, like `none`), the spread any loss is read
 *     against;
 * and, as the machine's reference, a bare Nest app answering `GET /health/live`.
 * Targets: `GET /health/live` (never traced: the SDK's bare per-request cost) and `GET` that
 * task (a traced, cached read). Each (configuration, target) is warmed up, then measured with wrk
 * (-t1 -c32) in BENCH_ROUNDS interleaved rounds, every other round in the opposite order, so a
 * change in the machine's load spreads over all configurations; the report gives medians.
 * Every run must answer 2xx only, without socket errors.
 * Target (issue 16): at sampling 0.1 each target loses at most 10 % of its req/s against `none`.
 * Each run also reads the api's CPU time from /proc: the CPU µs per request, and the share of
 * req/s a CPU-bound api loses to the extra time (1 − cpu(none)/cpu(config)), which a change in
 * the machine's load disturbs far less than the throughputs.
 * Also printed: each api's RSS after every round (the unreachable collector's must stay
 * bounded), its spans dropped (`groundwork_tracing_spans_dropped_total`) and the export requests
 * and bytes its receiver got. RATE_LIMIT_PER_MINUTE raised, own database and Redis prefix,
 * removed at the end. Needs `npm run build` and wrk. Knobs: BENCH_DURATION (10 s),
 * BENCH_WARMUP (5 s), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_CONFIGURATIONS
 * (comma-separated names, all by default; `none` is always measured), BENCH_TARGETS (`live`,
 * `task` or both, the default), BENCH_CPU_PROF_DIR (each
 * measured api writes a V8 CPU profile there when it stops).
 */
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
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
  progress,
  round,
  rssMiB,
  runWrk,
  signUpVerified,
  startApp,
  startBenchApi,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 10),
  warmupSec: knob('BENCH_WARMUP', 5),
  rounds: knob('BENCH_ROUNDS', 3),
};
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;
const ONLY = process.env.BENCH_CONFIGURATIONS?.split(',').map((name) => name.trim());
const TARGETS = process.env.BENCH_TARGETS?.split(',').map((name) => name.trim());
const USER = { email: 'tracing-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** An OTLP/HTTP endpoint that accepts every export and only counts it. */
async function countingReceiver() {
  const counts = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (/** @type {Buffer} */ chunk) => (counts.bytes += chunk.length));
    req.on('end', () => {
      counts.requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  cleanup.add('close a receiver', () => new Promise((resolve) => server.close(() => resolve(undefined))));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${address.port}`, counts };
}

/** The spans an api dropped, from its scrape port. @param {number} metricsPort */
async function droppedSpans(metricsPort) {
  const res = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`, 5000);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (line.startsWith('groundwork_tracing_spans_dropped_total')) total += Number(line.split(' ').at(-1));
  }
  return total;
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js']);
  const loadBefore = loadAverage();
  const run = await benchRun(cleanup, 'tracing');
  const { database } = run;
  const unreachable = `http://127.0.0.1:${await freePort()}`;
  const secrets = generateSecrets();

  progress('setting up a user, a workspace, a project and a task');
  const setup = await startBenchApi(run, {
    name: 'api (setup)',
    secrets,
    // One issuer for every api: the setup run's access token must stay valid.
    env: { PUBLIC_API_URL: 'http://127.0.0.1:3000' },
    logName: 'api-setup',
    timeoutMs: 180_000,
    cleanup,
  });
  const token = await signUpVerified(setup.base, database.url, USER);
  const { workspace, task } = await createBenchTask(setup.base, token);
  await setup.app.stop();
  const taskPath = `/v1/workspaces/${workspace.id}/tasks/${task.id}`;

  const exporting = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
  /** @type {{ name: string, env: (receiver: string) => Record<string, string>, receiver: boolean }[]} */
  const wanted = [
    { name: 'none', env: () => ({}), receiver: false },
    {
      name: 'sampled 0.1',
      receiver: true,
      env: (receiver) => ({
        ...exporting,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
    },
    {
      name: 'sampled 1.0',
      receiver: true,
      env: (receiver) => ({
        ...exporting,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      }),
    },
    {
      name: 'unreachable',
      receiver: false,
      env: () => ({
        ...exporting,
        OTEL_EXPORTER_OTLP_ENDPOINT: unreachable,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      }),
    },
    { name: 'none again', env: () => ({}), receiver: false },
  ];
  const configurations = wanted.filter((c) => c.name.startsWith('none') || !ONLY || ONLY.includes(c.name));

  /**
   * @typedef {{ name: string, pid: number, base: string, metricsPort: number | undefined,
   *   counts: { requests: number, bytes: number } | undefined, readyMs: number, rss: number[],
   *   stop: () => Promise<unknown> }} Server
   */
  /** @type {Server[]} */
  const servers = [];
  for (const configuration of configurations) {
    const receiver = configuration.receiver ? await countingReceiver() : undefined;
    const metricsPort = await freePort();
    progress(`starting the api (${configuration.name}) with npm run start:api`);
    const { app, port } = await startBenchApi(run, {
      name: `api (${configuration.name})`,
      secrets,
      env: {
        PUBLIC_API_URL: 'http://127.0.0.1:3000',
        METRICS_PORT: String(metricsPort),
        ...(CPU_PROF_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` } : {}),
        ...configuration.env(receiver?.url ?? ''),
      },
      logName: `api-${configuration.name.replaceAll(' ', '-')}`,
      timeoutMs: 180_000,
      cleanup,
    });
    servers.push({
      name: configuration.name,
      pid: app.pid,
      base: `http://127.0.0.1:${port}`,
      metricsPort,
      counts: receiver?.counts,
      readyMs: app.readyMs,
      rss: [],
      stop: () => app.stop(),
    });
  }
  {
    const port = await freePort();
    progress('starting the bare Nest reference');
    const bare = await startApp({
      name: 'bare Nest',
      script: 'test/bench/bare-nest.js',
      env: { NODE_ENV: 'production', PORT: String(port) },
      readyUrl: `http://127.0.0.1:${port}/health/live`,
      logFile: path.join(run.workDir, 'bare.log'),
      cleanup,
    });
    servers.push({
      name: 'bare Nest',
      pid: bare.pid,
      base: `http://127.0.0.1:${port}`,
      metricsPort: undefined,
      counts: undefined,
      readyMs: bare.readyMs,
      rss: [],
      stop: () => bare.stop(),
    });
  }

  const targets = /** @type {{ key: string, name: string, path: string, headers: Record<string, string> }[]} */ ([
    { key: 'live', name: 'GET /health/live', path: '/health/live', headers: {} },
    { key: 'task', name: 'GET one task (cached)', path: taskPath, headers: { authorization: `Bearer ${token}` } },
  ]).filter((target) => !TARGETS || TARGETS.includes(target.key));
  /** @typedef {{ server: Server, target: (typeof targets)[number] }} Measured */
  /** @type {Measured[]} */
  const measured = targets.flatMap((target) =>
    servers
      .filter((server) => server.name !== 'bare Nest' || target.path === '/health/live')
      .map((server) => ({ server, target })),
  );
  const key = (/** @type {Measured} */ m) => `${m.server.name} / ${m.target.name}`;

  /** One wrk run, with the api's CPU time over it. @param {Measured} m @param {number} durationSec */
  const load = async (m, durationSec) => {
    const cpuBefore = cpuSeconds(m.server.pid);
    const result = await runWrk({
      url: `${m.server.base}${m.target.path}`,
      headers: m.target.headers,
      connections: LOAD.connections,
      durationSec,
      signal: interrupted.signal,
    });
    const cpuUs = ((cpuSeconds(m.server.pid) - cpuBefore) / result.requests) * 1e6;
    const { connect, read, write, timeout } = result.socketErrors;
    const errors = result.non2xx3xx + connect + read + write + timeout;
    if (errors > 0) throw new Error(`${key(m)}: ${errors} non-2xx answers or socket errors:\n${result.output}`);
    return { rps: result.requestsPerSec, p99: result.latencyMs.p99, cpuUs };
  };

  progress(`warm-up: ${LOAD.warmupSec} s per configuration and target`);
  for (const m of measured) await load(m, LOAD.warmupSec);
  /** @type {Record<string, { rps: number, p99: number, cpuUs: number }[]>} */
  const runs = Object.fromEntries(measured.map((m) => [key(m), []]));
  /** @type {string[]} */
  const roundLoads = [];
  for (let r = 1; r <= LOAD.rounds; r += 1) {
    // Every other round in the opposite order: no configuration always runs first or last.
    const order = r % 2 === 1 ? measured : [...measured].reverse();
    for (const m of order) {
      progress(`round ${r}/${LOAD.rounds} ${key(m)}: wrk ${LOAD.durationSec} s`);
      const result = await load(m, LOAD.durationSec);
      runs[key(m)].push(result);
      progress(`  ${round(result.rps)} req/s, ${round(result.cpuUs, 1)} CPU µs/request`);
    }
    for (const server of servers) server.rss.push(round(rssMiB(server.pid), 1));
    roundLoads.push(loadAverage());
  }
  /** @type {Record<string, number>} */
  const dropped = {};
  for (const server of servers) {
    if (server.metricsPort !== undefined) dropped[server.name] = await droppedSpans(server.metricsPort);
  }
  for (const server of servers) await server.stop();
  const loadAfter = loadAverage();

  const stat = (
    /** @type {string} */ name,
    /** @type {string} */ target,
    /** @type {'rps' | 'p99' | 'cpuUs'} */ field,
  ) => median((runs[`${name} / ${target}`] ?? []).map((result) => result[field]));
  const loss = (/** @type {string} */ name, /** @type {string} */ target) =>
    round((1 - stat(name, target, 'rps') / stat('none', target, 'rps')) * 100, 1);
  // The req/s a CPU-bound api loses to the extra CPU time per request: 1 − cpu(none) / cpu(config).
  const cpuLoss = (/** @type {string} */ name, /** @type {string} */ target) =>
    round((1 - stat('none', target, 'cpuUs') / stat(name, target, 'cpuUs')) * 100, 1);

  console.log(
    `\nwrk ${wrkVersion} -t1 -c${LOAD.connections}; ${LOAD.warmupSec} s warm-up, then ${LOAD.rounds} interleaved ` +
      `rounds of ${LOAD.durationSec} s; medians. ${os.cpus().length} CPUs; load average ${loadBefore} at the start, ` +
      `${roundLoads.map((l, i) => `${l} after round ${i + 1}`).join(', ')}, ${loadAfter} at the end.`,
  );
  for (const target of targets) {
    console.log(`\n${target.name}`);
    console.log(
      formatTable([
        ['configuration', 'req/s', 'runs', 'p99 ms', 'loss %', 'CPU µs/req', 'CPU loss %'],
        ...servers
          .filter((server) => runs[`${server.name} / ${target.name}`] !== undefined)
          .map((server) => {
            const isApi = server.name !== 'bare Nest';
            return [
              server.name,
              round(stat(server.name, target.name, 'rps')),
              runs[`${server.name} / ${target.name}`].map((result) => round(result.rps)).join(' '),
              round(stat(server.name, target.name, 'p99'), 2),
              isApi ? loss(server.name, target.name) : '',
              round(stat(server.name, target.name, 'cpuUs'), 1),
              isApi ? cpuLoss(server.name, target.name) : '',
            ];
          }),
      ]),
    );
  }
  console.log('\n');
  console.log(
    formatTable([
      ['configuration', 'ready ms', 'RSS MiB after each round', 'spans dropped', 'exports'],
      ...servers.map((server) => [
        server.name,
        round(server.readyMs),
        server.rss.join(' '),
        dropped[server.name] ?? '',
        server.counts ? `${server.counts.requests} (${round(server.counts.bytes / 1024)} KiB)` : '',
      ]),
    ]),
  );
  const sampled = servers.some((server) => server.name === 'sampled 0.1');
  if (sampled) {
    const worst = Math.max(...targets.map((t) => loss('sampled 0.1', t.name)));
    const worstCpu = Math.max(...targets.map((t) => cpuLoss('sampled 0.1', t.name)));
    console.log(
      `\nsampling 0.1 loses at most ${worst} % of req/s against no tracing, ${worstCpu} % by CPU time per ` +
        `request (target ≤ 10 %)`,
    );
    const spread = Math.max(...targets.map((t) => Math.abs(loss('none again', t.name))));
    const spreadCpu = Math.max(...targets.map((t) => Math.abs(cpuLoss('none again', t.name))));
    console.log(
      `two apis without the SDK differ by up to ${spread} % of req/s, ${spreadCpu} % by CPU time per request ` +
        `(this run's process-to-process spread)`,
    );
  }
  console.log(JSON.stringify({ runs, dropped, rss: Object.fromEntries(servers.map((s) => [s.name, s.rss])) }));
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
