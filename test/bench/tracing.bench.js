// @ts-check
/**
 * `npm run bench:tracing`: what OpenTelemetry tracing costs the api, in one run on this machine.
 *
 * One database and user, a task read once so it is cached; then the api is started four times,
 * each measured with wrk (-t1 -c32 by default, warmed up first) on `GET /health/live` (never
 * traced: the SDK's bare per-request cost) and `GET` that task (a traced, cached read):
 *   - `none`: no OTEL_EXPORTER_OTLP_ENDPOINT, the SDK not loaded (the reference);
 *   - `sampled 0.1`: exporting over OTLP/HTTP (protobuf) to a receiver on 127.0.0.1 that only
 *     counts, `parentbased_traceidratio` 0.1;
 *   - `sampled 1.0`: the same with every trace sampled;
 *   - `unreachable`: sampling 1.0 towards a port nothing listens on.
 * Target (issue 16): at sampling 0.1 each target loses at most 10 % of its req/s against `none`.
 * Also printed: the api's RSS after each run, and how many export requests/bytes the receiver
 * got. Production mode, RATE_LIMIT_PER_MINUTE raised, own database and Redis prefix, removed at
 * the end. Needs `npm run build` and wrk. Knobs: BENCH_DURATION (10 s), BENCH_WARMUP (3 s),
 * BENCH_CONNECTIONS (32).
 */
import { createServer } from 'node:http';
import os from 'node:os';
import {
  assertBuilt,
  assertWrkInstalled,
  benchRun,
  Cleanup,
  createBenchTask,
  formatTable,
  freePort,
  generateSecrets,
  knob,
  progress,
  round,
  rssMiB,
  runWrk,
  signUpVerified,
  startBenchApi,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 10),
  warmupSec: knob('BENCH_WARMUP', 3),
};
const USER = { email: 'tracing-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

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
  cleanup.add('close the receiver', () => new Promise((resolve) => server.close(() => resolve(undefined))));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${address.port}`, counts };
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js']);
  const run = await benchRun(cleanup, 'tracing');
  const { database } = run;
  const receiver = await countingReceiver();
  const unreachable = `http://127.0.0.1:${await freePort()}`;
  const secrets = generateSecrets();

  /** @param {string} name @param {Record<string, string>} otel */
  const start = async (name, otel) =>
    startBenchApi(run, {
      name: `api (${name})`,
      secrets,
      env: {
        // One issuer for every start: the setup run's access token must stay valid.
        PUBLIC_API_URL: 'http://127.0.0.1:3000',
        ...otel,
      },
      logName: `api-${name.replaceAll(' ', '-')}`,
      timeoutMs: 180_000,
      cleanup,
    });

  progress('setting up a user, a workspace, a project and a task');
  const setup = await start('setup', {});
  const token = await signUpVerified(setup.base, database.url, USER);
  const { workspace, task } = await createBenchTask(setup.base, token);
  await setup.app.stop();
  const taskPath = `/v1/workspaces/${workspace.id}/tasks/${task.id}`;

  const exporting = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
  const configurations = [
    { name: 'none', env: {} },
    {
      name: 'sampled 0.1',
      env: {
        ...exporting,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
    },
    {
      name: 'sampled 1.0',
      env: { ...exporting, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    },
    {
      name: 'unreachable',
      env: { ...exporting, OTEL_EXPORTER_OTLP_ENDPOINT: unreachable, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    },
  ];
  /** @type {{ name: string, path: string, headers: Record<string, string> }[]} */
  const targets = [
    { name: 'GET /health/live', path: '/health/live', headers: {} },
    { name: 'GET one task (cached)', path: taskPath, headers: { authorization: `Bearer ${token}` } },
  ];
  /** @type {Record<string, Record<string, { rps: number, p99: number }>>} */
  const results = {};
  /** @type {Record<string, { rssMiB: number, readyMs: number, exports: number, exportedKiB: number, load: string }>} */
  const facts = {};
  for (const configuration of configurations) {
    const before = { ...receiver.counts };
    const { app, base } = await start(configuration.name, configuration.env);
    results[configuration.name] = {};
    for (const target of targets) {
      const options = {
        url: `${base}${target.path}`,
        headers: target.headers,
        connections: LOAD.connections,
        signal: interrupted.signal,
      };
      progress(`${configuration.name}, ${target.name}: warm-up ${LOAD.warmupSec} s, then ${LOAD.durationSec} s`);
      await runWrk({ ...options, durationSec: LOAD.warmupSec });
      const result = await runWrk({ ...options, durationSec: LOAD.durationSec });
      if (result.non2xx3xx > 0) throw new Error(`${target.name}: ${result.non2xx3xx} answers were not 2xx`);
      results[configuration.name][target.name] = { rps: round(result.requestsPerSec), p99: result.latencyMs.p99 };
    }
    facts[configuration.name] = {
      rssMiB: round(rssMiB(app.pid), 1),
      readyMs: round(app.readyMs),
      exports: receiver.counts.requests - before.requests,
      exportedKiB: round((receiver.counts.bytes - before.bytes) / 1024),
      load: os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(' '),
    };
    await app.stop();
  }

  const loss = (/** @type {string} */ name, /** @type {string} */ target) => {
    const reference = results.none?.[target]?.rps ?? 0;
    return reference === 0 ? 0 : round((1 - (results[name]?.[target]?.rps ?? 0) / reference) * 100, 1);
  };
  console.log(`\nwrk ${wrkVersion} -t1 -c${LOAD.connections} -d${LOAD.durationSec}s`);
  console.log(
    formatTable([
      [
        'configuration',
        ...targets.flatMap((t) => [`${t.name} req/s`, 'p99 ms', 'loss %']),
        'ready ms',
        'RSS MiB',
        'exports',
        'load',
      ],
      ...configurations.map((c) => [
        c.name,
        ...targets.flatMap((t) => [
          results[c.name]?.[t.name]?.rps ?? 0,
          results[c.name]?.[t.name]?.p99 ?? 0,
          loss(c.name, t.name),
        ]),
        facts[c.name]?.readyMs ?? 0,
        facts[c.name]?.rssMiB ?? 0,
        `${facts[c.name]?.exports ?? 0} (${facts[c.name]?.exportedKiB ?? 0} KiB)`,
        facts[c.name]?.load ?? '',
      ]),
    ]),
  );
  const worst = Math.max(...targets.map((t) => loss('sampled 0.1', t.name)));
  console.log(`\nsampling 0.1 loses at most ${worst} % of req/s against no tracing (target ≤ 10 %)`);
  console.log(JSON.stringify({ results, facts }));
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
