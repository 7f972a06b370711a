// @ts-check
/**
 * `npm run bench:auth`: what authentication costs, in one run on this machine.
 *
 * 1. Authenticated reads: `GET /v1/me` on the api (ES256 JWT verified by passport-jwt, session
 *    revocation check, rate-limit counter in Redis, one query for the account) against
 *    `GET /health/live` on the bare NestJS app of `npm run bench`, wrk -t1 -c32, warmed up, then
 *    measured alternately. Target: api ≥ 35 % of the bare app's requests/s.
 * 2. Logins: `POST /v1/auth/login` is deliberately slow (argon2id, 19 MiB, 2 iterations). Sequential
 *    logins give the p50 latency; then `BENCH_LOGIN_CONCURRENCY` clients log in for
 *    `BENCH_DURATION` seconds for the logins/s one process sustains. Each request carries its own
 *    X-Forwarded-For (the api runs with TRUST_PROXY=loopback) so that the per-IP limit of the auth
 *    routes — the point of which is to stop exactly this from one address — does not cap the figure.
 *
 * The apps run with NODE_ENV=production (RATE_LIMIT_PER_MINUTE raised so wrk is not answered 429)
 * on a database and Redis prefix of their own, removed at the end. Needs `npm run build` and wrk.
 * Knobs: BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_CONNECTIONS (32), BENCH_ROUNDS (2),
 * BENCH_LOGINS (20 sequential), BENCH_LOGIN_CONCURRENCY (4), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  assertBuilt,
  assertWrkInstalled,
  Cleanup,
  createBenchDatabase,
  deleteRedisKeys,
  formatTable,
  freePort,
  generateSecrets,
  median,
  productionEnv,
  randomRedisPrefix,
  round,
  runWrk,
  startApp,
  knob,
  progress,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 10),
  warmupSec: knob('BENCH_WARMUP', 3),
  rounds: knob('BENCH_ROUNDS', 2),
  logins: knob('BENCH_LOGINS', 20),
  loginConcurrency: knob('BENCH_LOGIN_CONCURRENCY', 4),
};
const TARGET_RATIO = 0.35;
const USER = { email: 'bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

/**
 * @param {{ databaseUrl: string, redisKeyPrefix: string, secrets: ReturnType<typeof generateSecrets>, logDir: string }} run
 * @param {'api' | 'bare'} kind
 */
async function start(run, kind) {
  const port = await freePort();
  const env = {
    ...productionEnv({
      databaseUrl: run.databaseUrl,
      redisKeyPrefix: run.redisKeyPrefix,
      port,
      workerPort: await freePort(),
      secrets: run.secrets,
    }),
    RATE_LIMIT_PER_MINUTE: '100000000',
    TRUST_PROXY: 'loopback',
  };
  const app = await startApp({
    name: kind,
    script: kind === 'api' ? 'dist/api/main.js' : 'test/bench/bare-nest.js',
    env,
    readyUrl: `http://127.0.0.1:${port}/health/${kind === 'api' ? 'ready' : 'live'}`,
    logFile: path.join(run.logDir, `${kind}.log`),
    cleanup,
  });
  return { ...app, url: `http://127.0.0.1:${port}` };
}

/** A verified account: registered through the api, verified in the database (no worker runs here). */
async function createUser(/** @type {string} */ apiUrl, /** @type {string} */ databaseUrl) {
  const res = await fetch(`${apiUrl}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USER),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [USER.email]);
  } finally {
    await client.end();
  }
}

let clientAddress = 0;
/** One login from a fresh client address; resolves with its latency and answer. @param {string} apiUrl */
async function login(apiUrl) {
  clientAddress += 1;
  const forwardedFor = `10.${(clientAddress >> 16) & 255}.${(clientAddress >> 8) & 255}.${clientAddress & 255}`;
  const startedAt = performance.now();
  const res = await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ email: USER.email, password: USER.password }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = /** @type {{ accessToken?: string }} */ (await res.json());
  return { status: res.status, ms: performance.now() - startedAt, accessToken: body.accessToken };
}

/** @param {string} apiUrl */
async function measureLogins(apiUrl) {
  /** @type {number[]} */
  const sequential = [];
  for (let i = 0; i < LOAD.logins; i += 1) {
    const result = await login(apiUrl);
    if (result.status !== 200) throw new Error(`login answered ${result.status}`);
    sequential.push(result.ms);
  }
  const deadline = performance.now() + LOAD.durationSec * 1000;
  let succeeded = 0;
  let failed = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: LOAD.loginConcurrency }, async () => {
      while (performance.now() < deadline && !interrupted.signal.aborted) {
        const result = await login(apiUrl);
        if (result.status === 200) succeeded += 1;
        else failed += 1;
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { p50Ms: median(sequential), perSecond: succeeded / seconds, failed };
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js']);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-auth-'));
  cleanup.add('remove logs', () => rmSync(logDir, { recursive: true, force: true }));
  const redisKeyPrefix = randomRedisPrefix();
  cleanup.add(`delete Redis keys ${redisKeyPrefix}:*`, () => deleteRedisKeys(redisKeyPrefix));
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(cleanup);
  const run = { databaseUrl: database.url, redisKeyPrefix, secrets: generateSecrets(), logDir };

  const bare = await start(run, 'bare');
  const api = await start(run, 'api');
  await createUser(api.url, database.url);
  const first = await login(api.url);
  if (first.status !== 200 || !first.accessToken) throw new Error(`login answered ${first.status}`);
  const headers = { authorization: `Bearer ${first.accessToken}` };
  const check = await fetch(`${api.url}/v1/me`, { headers });
  if (check.status !== 200) throw new Error(`GET /v1/me answered ${check.status}: ${await check.text()}`);

  const targets = {
    bare: { url: `${bare.url}/health/live`, headers: {} },
    api: { url: `${api.url}/v1/me`, headers },
  };
  progress(`warm-up: ${LOAD.warmupSec} s each`);
  for (const target of Object.values(targets)) {
    await runWrk({ ...target, connections: LOAD.connections, durationSec: LOAD.warmupSec, signal: interrupted.signal });
  }
  /** @type {{ bare: import('./lib.js').WrkResult[], api: import('./lib.js').WrkResult[] }} */
  const runs = { bare: [], api: [] };
  for (let i = 1; i <= LOAD.rounds; i += 1) {
    for (const kind of /** @type {const} */ (['bare', 'api'])) {
      progress(`round ${i}/${LOAD.rounds} ${kind}: wrk ${LOAD.durationSec} s`);
      const result = await runWrk({
        ...targets[kind],
        connections: LOAD.connections,
        durationSec: LOAD.durationSec,
        signal: interrupted.signal,
      });
      if (result.non2xx3xx > 0) throw new Error(`${kind}: ${result.non2xx3xx} answers were not 2xx`);
      runs[kind].push(result);
      progress(`  ${round(result.requestsPerSec)} req/s, p99 ${result.latencyMs.p99} ms`);
    }
  }
  progress(
    `logins: ${LOAD.logins} sequential, then ${LOAD.loginConcurrency} concurrent clients for ${LOAD.durationSec} s`,
  );
  const logins = await measureLogins(api.url);
  await Promise.all([bare.stop(), api.stop()]);

  const rps = (/** @type {'bare' | 'api'} */ kind) => round(median(runs[kind].map((r) => r.requestsPerSec)));
  const p99 = (/** @type {'bare' | 'api'} */ kind) => round(median(runs[kind].map((r) => r.latencyMs.p99)), 2);
  const ratio = rps('api') / rps('bare');
  console.log(
    `\nwrk ${wrkVersion} -t1 -c${LOAD.connections} -d${LOAD.durationSec}s, ${LOAD.rounds} alternating rounds` +
      ` (node ${process.version}, ${os.cpus().length} CPUs)\n`,
  );
  console.log(
    formatTable([
      ['target', 'route', 'median req/s', 'median p99 ms'],
      ['bare', 'GET /health/live', rps('bare'), p99('bare')],
      ['api', 'GET /v1/me (bearer JWT)', rps('api'), p99('api')],
    ]),
  );
  console.log(`\napi / bare: ${round(ratio * 100, 1)} % (target ≥ ${TARGET_RATIO * 100} %)`);
  console.log(
    `login: p50 ${round(logins.p50Ms, 1)} ms sequential; ${round(logins.perSecond, 1)} logins/s with ` +
      `${LOAD.loginConcurrency} concurrent clients (${logins.failed} failed)`,
  );
  console.log(
    JSON.stringify({
      bareRps: rps('bare'),
      meRps: rps('api'),
      ratio: round(ratio, 3),
      loginP50Ms: round(logins.p50Ms, 1),
      loginsPerSecond: round(logins.perSecond, 1),
    }),
  );
  if (process.env.BENCH_STRICT === '1' && ratio < TARGET_RATIO) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
