// @ts-check
/**
 * `npm run bench:flags`: what feature flags cost, in one run on this machine.
 *
 * 1. A cached task read (`GET /v1/workspaces/{id}/tasks/{taskId}`, the same task every time:
 *    served from the two-level cache) on one api instance started as `npm run start:api` starts
 *    the api (its node options, production mode, logs to a file) but through
 *    `flag-evaluating-api.js`, which evaluates a flag n times on requests carrying
 *    `X-Bench-Flag: <n>`. The same process, route, middleware and guards serve every side:
 *    - `none`: no evaluation (the header absent);
 *    - `one`: one evaluation — the issue's comparison, target (issue 13): within 2 % of `none`;
 *    - `none again`: `none` measured a second time — how far apart two measurements of the
 *      same thing land in this run, on this machine: the noise the comparison sits in;
 *    - `hundred`: 100 evaluations — the marginal cost of one evaluation inside the api, large
 *      enough to stand out of the machine's noise.
 *    wrk -t1 -c32 (by default), a warm-up per side, then rounds of every side in turn, the
 *    order reversed every other round (one, none, none again, hundred; hundred, none again,
 *    none, one; …): `none` runs right next to `one` and to `none again`, which take turns going
 *    first. Per side, the median over the rounds of requests per second and of the api's CPU
 *    time per request (from /proc: far less sensitive to the machine's load than throughput),
 *    and, against `none`, the median of the rounds' own ratios. Any non-2xx answer fails the
 *    run.
 *    Alongside, the evaluation alone in this process, CPU time over 200,000 evaluations with the
 *    provider and hook classes the api uses: through `FeatureFlags` as the api calls it
 *    (OpenFeature resolves the first, the identical ones after it answer what it resolved) and,
 *    for comparison, every time through an OpenFeature client.
 * 2. Propagation: a second api instance (the plain start command) on the same database and
 *    Redis prefix, started once the reads are measured. 50 times,
 *    `PUT /v1/admin/flags/bench.propagation` on the first instance (alternately listing the
 *    workspace and not), while the second instance's `GET /v1/workspaces/{id}/flags` is polled
 *    back to back until it shows the change; the time from sending the PUT (and from its answer)
 *    to the second instance's first answer that shows it, p50 and p95. The periodic reload is
 *    set to an hour, so only the Redis notice carries the changes.
 *
 * Own database and Redis prefix, removed at the end. Needs `npm run build` and wrk.
 * Knobs: BENCH_DURATION (4 s per round and side), BENCH_ROUNDS (9), BENCH_WARMUP (3 s per side),
 * BENCH_CONNECTIONS (32), BENCH_CHANGES (50).
 */
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NOOP_PROVIDER, OpenFeature } from '@openfeature/server-sdk';
import { Registry } from 'prom-client';
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
  packageScript,
  progress,
  round,
  runWrk,
  signUpVerified,
  startBenchApi,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 4),
  rounds: knob('BENCH_ROUNDS', 9),
  warmupSec: knob('BENCH_WARMUP', 3),
  changes: knob('BENCH_CHANGES', 50),
};
const ADMIN = { email: 'flags-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };
const FLAG = 'bench.propagation';

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

/**
 * CPU nanoseconds per evaluation of `attachments` for a workspace, 200,000 times each, with the
 * api's provider over the built-in definitions and the api's hook (LOG_LEVEL=warn: the debug
 * line is dropped):
 * - `sdk`: every evaluation through an OpenFeature client of its own domain;
 * - `featureFlags`: through `FeatureFlags.isEnabled` as the api calls it — the first
 *   evaluation goes through OpenFeature, the identical ones after it answer what it resolved.
 * @returns {Promise<{ sdk: number, featureFlags: number }>}
 */
async function evaluationNanoseconds() {
  Logger.overrideLogger(['warn', 'error', 'fatal']);
  const flags = await import('../../libs/flags/dist/index.js');
  const definitions = flags.builtInDefinitions();
  const catalogue = /** @type {import('../../libs/flags/dist/index.js').FlagCatalogue} */ (
    /** @type {unknown} */ ({
      get: (/** @type {string} */ key) => definitions.get(key),
      all: () => [...definitions.values()],
      source: 'storage',
      generation: 1,
    })
  );
  const metrics = /** @type {import('@groundwork/platform').MetricsService} */ (
    /** @type {unknown} */ ({ registry: new Registry() })
  );
  // The api's level in this bench (startBenchApi: warn): the debug line is not built.
  const config = /** @type {import('@groundwork/platform').AppConfig} */ (
    /** @type {unknown} */ ({ log: { level: 'warn', pretty: false } })
  );
  const hook = new flags.FlagEvaluationHook(metrics, config);
  const domain = `bench-${process.pid}`;
  OpenFeature.setProvider(domain, new flags.GroundworkFlagProvider(catalogue));
  const client = OpenFeature.getClient(domain);
  client.addHooks(hook);
  const featureFlags = new flags.FeatureFlags(catalogue, hook);
  const workspaceId = '01a25101-75b5-721c-9852-b27dff7003f2';
  const context = { targetingKey: workspaceId, workspaceId };
  /** @param {() => Promise<boolean>} evaluate */
  const cost = async (evaluate) => {
    for (let i = 0; i < 20_000; i += 1) await evaluate();
    const count = 200_000;
    const started = process.cpuUsage();
    for (let i = 0; i < count; i += 1) await evaluate();
    const used = process.cpuUsage(started);
    return ((used.user + used.system) * 1000) / count;
  };
  const sdk = await cost(() => client.getBooleanValue('attachments', true, context));
  const remembered = await cost(() => featureFlags.isEnabled('attachments', { workspaceId }));
  featureFlags.onApplicationShutdown();
  OpenFeature.setProvider(domain, NOOP_PROVIDER);
  return { sdk, featureFlags: remembered };
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/**
 * The node options of `npm run start:api` (`node <options> dist/api/main.js`), so the bench's
 * instances run as that script runs the api.
 */
function startApiNodeArgs() {
  const words = packageScript('start:api').split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/api/main.js') {
    throw new Error(`start:api is no longer "node <options> dist/api/main.js": ${words.join(' ')}`);
  }
  return words.slice(1, -1);
}

/**
 * The sides of the read comparison: how many evaluations a request adds. `again` is `none`
 * measured a second time: how far two measurements of the same thing land apart in this run.
 */
const SIDES = /** @type {const} */ ({ one: 1, none: 0, again: 0, hundred: 100 });
/** @typedef {keyof typeof SIDES} Side */
/** @param {Side} side */
const sideName = (side) => (side === 'again' ? 'none again' : `${SIDES[side]} flag evaluations`);

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js', 'libs/flags/dist/index.js']);
  const nodeArgs = startApiNodeArgs();
  const run = await benchRun(cleanup, 'flags');
  const { database } = run;
  const secrets = generateSecrets();
  const ports = [await freePort(), await freePort()];
  /** @param {string} name @param {string} script @param {number} port */
  const start = async (name, script, port) =>
    startBenchApi(run, {
      name,
      script,
      nodeArgs,
      port,
      secrets,
      env: {
        // One deployment behind one public URL: the token issuer is the same for both instances.
        PUBLIC_API_URL: `http://127.0.0.1:${ports[0]}`,
        PLATFORM_ADMIN_EMAILS: ADMIN.email,
        FLAGS_REFRESH_INTERVAL_MS: '3600000',
      },
      logName: name,
      cleanup,
    });
  const first = await start('api-1', 'test/bench/flag-evaluating-api.js', ports[0]);

  const token = await signUpVerified(first.base, database.url, ADMIN);
  const { workspace, task } = await createBenchTask(first.base, token);
  const ws = `/v1/workspaces/${workspace.id}`;

  // 1. The cached read with 0, 1 and 100 evaluations, in rounds of every side.
  const taskUrl = `${first.base}${ws}/tasks/${task.id}`;
  /** @param {Side} side */
  const headersOf = (side) => ({
    authorization: `Bearer ${token}`,
    ...(SIDES[side] === 0 ? {} : { 'x-bench-flag': String(SIDES[side]) }),
  });
  /** @param {Side} side @param {number} durationSec */
  const measure = async (side, durationSec) => {
    const cpuBefore = cpuSeconds(first.app.pid);
    const result = await runWrk({
      url: taskUrl,
      headers: headersOf(side),
      connections: LOAD.connections,
      durationSec,
      signal: interrupted.signal,
    });
    const cpu = cpuSeconds(first.app.pid) - cpuBefore;
    if (result.non2xx3xx > 0 || result.requests === 0) {
      throw new Error(`${side}: ${result.non2xx3xx} of ${result.requests} answers were not 2xx`);
    }
    return {
      rps: result.requests / result.durationSec,
      cpuUs: (cpu / result.requests) * 1e6,
      latency: result.latencyMs,
    };
  };
  const sideNames = /** @type {Side[]} */ (Object.keys(SIDES));
  progress(`warm-up ${LOAD.warmupSec} s per side`);
  for (const side of sideNames) await measure(side, LOAD.warmupSec);
  /** @type {Record<Side, { rps: number[], cpuUs: number[], p50: number[], p99: number[] }>} */
  const rounds = {
    none: { rps: [], cpuUs: [], p50: [], p99: [] },
    again: { rps: [], cpuUs: [], p50: [], p99: [] },
    one: { rps: [], cpuUs: [], p50: [], p99: [] },
    hundred: { rps: [], cpuUs: [], p50: [], p99: [] },
  };
  for (let roundNo = 1; roundNo <= LOAD.rounds; roundNo += 1) {
    const order = roundNo % 2 ? sideNames : [...sideNames].reverse();
    for (const side of order) {
      progress(`round ${roundNo}/${LOAD.rounds}: ${sideName(side)}, ${LOAD.durationSec} s`);
      const figures = await measure(side, LOAD.durationSec);
      rounds[side].rps.push(figures.rps);
      rounds[side].cpuUs.push(figures.cpuUs);
      rounds[side].p50.push(figures.latency.p50);
      rounds[side].p99.push(figures.latency.p99);
    }
  }
  const rps = (/** @type {Side} */ side) => median(rounds[side].rps);
  const cpuUs = (/** @type {Side} */ side) => median(rounds[side].cpuUs);
  /**
   * A side against `none`, in percent (positive: the side costs more): less throughput and
   * more api CPU per request, from the medians and as the median of the rounds' own ratios
   * (the two run back to back in every round, which leaves out most of the drift between rounds).
   * @param {Side} side
   */
  const compare = (side) => ({
    readCostPercent: round((1 - rps(side) / rps('none')) * 100, 2),
    cpuCostPercent: round((cpuUs(side) / cpuUs('none') - 1) * 100, 2),
    pairedReadCostPercent: round((1 - median(rounds[side].rps.map((v, i) => v / rounds.none.rps[i]))) * 100, 2),
    pairedCpuCostPercent: round((median(rounds[side].cpuUs.map((v, i) => v / rounds.none.cpuUs[i])) - 1) * 100, 2),
  });
  const oneEvaluation = compare('one');
  const noneAgain = compare('again');
  // Within each round, what 100 evaluations added to a request's CPU time; the median of those.
  const perEvaluationInApiUs =
    median(rounds.hundred.cpuUs.map((hundred, i) => hundred - rounds.none.cpuUs[i])) / SIDES.hundred;
  const share = (/** @type {number} */ us) => round((us / cpuUs('none')) * 100, 2);
  progress('the evaluation alone, 200,000 times in this process');
  const evaluationNs = await evaluationNanoseconds();

  console.log(
    `\nwrk ${wrkVersion} -t1 -c${LOAD.connections}, ${LOAD.rounds} rounds of ${LOAD.durationSec} s per side ` +
      `(order reversed every other round), medians over the rounds`,
  );
  console.log(
    formatTable([
      [
        'cached task read',
        'req/s',
        'api CPU µs/request',
        'req/s per round',
        'api CPU µs/request per round',
        'p50 ms per round',
        'p99 ms per round',
      ],
      ...sideNames.map((side) => [
        sideName(side),
        round(rps(side)),
        round(cpuUs(side), 1),
        rounds[side].rps.map((value) => round(value)).join(' / '),
        rounds[side].cpuUs.map((value) => round(value)).join(' / '),
        rounds[side].p50.join(' / '),
        rounds[side].p99.join(' / '),
      ]),
    ]),
  );
  console.log(
    `\nagainst 0 flag evaluations, less throughput and more api CPU per request, from the medians ` +
      `(and as the median of each round's own ratio):\n` +
      `  1 flag evaluation (target: within 2 %): ${oneEvaluation.readCostPercent} % ` +
      `(${oneEvaluation.pairedReadCostPercent} %) and ${oneEvaluation.cpuCostPercent} % ` +
      `(${oneEvaluation.pairedCpuCostPercent} %)\n` +
      `  none again (the same thing measured twice): ${noneAgain.readCostPercent} % ` +
      `(${noneAgain.pairedReadCostPercent} %) and ${noneAgain.cpuCostPercent} % (${noneAgain.pairedCpuCostPercent} %)\n` +
      `one evaluation inside the api, from the 100-evaluation side: ` +
      `${round(perEvaluationInApiUs, 2)} µs of CPU, ${share(perEvaluationInApiUs)} % of a cached read's; ` +
      `alone in this process through FeatureFlags: ${round(evaluationNs.featureFlags)} ns ` +
      `(${share(evaluationNs.featureFlags / 1000)} %); every time through the OpenFeature SDK: ` +
      `${round(evaluationNs.sdk)} ns (${share(evaluationNs.sdk / 1000)} %)`,
  );

  // 2. Propagation to a second instance, started now so that it took no CPU from the reads.
  const second = await start('api-2', 'dist/api/main.js', ports[1]);
  const flagsUrl = `${second.base}${ws}/flags`;
  /** @returns {Promise<unknown>} */
  const seenBySecond = async () => {
    const answer = /** @type {{ flags: Record<string, unknown> }} */ (await api(flagsUrl, { token }));
    return answer.flags[FLAG];
  };
  await api(`${first.base}/v1/admin/flags/${FLAG}`, { method: 'PUT', token, body: '{"enabled":false}' });
  while ((await seenBySecond()) !== false) await new Promise((resolve) => setTimeout(resolve, 5));
  /** @type {number[]} */
  const fromSent = [];
  /** @type {number[]} */
  const fromAnswered = [];
  /** @type {number[]} */
  const putMs = [];
  let polls = 0;
  progress(`${LOAD.changes} changes, each polled on the second instance until seen`);
  for (let change = 1; change <= LOAD.changes; change += 1) {
    const expected = change % 2 === 1;
    const body = JSON.stringify({ enabled: false, workspaceIds: expected ? [workspace.id] : [] });
    const sentAt = performance.now();
    let answeredAt = 0;
    const put = api(`${first.base}/v1/admin/flags/${FLAG}`, { method: 'PUT', token, body }).then(() => {
      answeredAt = performance.now();
    });
    let seenAt = 0;
    for (;;) {
      const value = await seenBySecond();
      polls += 1;
      if (value === expected) {
        seenAt = performance.now();
        break;
      }
    }
    await put;
    fromSent.push(seenAt - sentAt);
    fromAnswered.push(Math.max(0, seenAt - answeredAt));
    putMs.push(answeredAt - sentAt);
  }
  await first.app.stop();
  await second.app.stop();

  const figures = {
    changes: LOAD.changes,
    propagationFromPutSentMs: { p50: round(quantile(fromSent, 0.5), 1), p95: round(quantile(fromSent, 0.95), 1) },
    propagationFromPutAnsweredMs: {
      p50: round(quantile(fromAnswered, 0.5), 1),
      p95: round(quantile(fromAnswered, 0.95), 1),
    },
    putMs: { p50: round(quantile(putMs, 0.5), 1), p95: round(quantile(putMs, 0.95), 1) },
    pollsPerChange: round(polls / LOAD.changes, 1),
  };
  console.log(
    `PUT → seen by the second instance over ${LOAD.changes} changes: p50 ${figures.propagationFromPutSentMs.p50} ms, ` +
      `p95 ${figures.propagationFromPutSentMs.p95} ms from sending the PUT ` +
      `(p50 ${figures.propagationFromPutAnsweredMs.p50} ms, p95 ${figures.propagationFromPutAnsweredMs.p95} ms ` +
      `after its answer; target: within 1 s)`,
  );
  console.log(
    JSON.stringify({
      rounds: LOAD.rounds,
      readRps: Object.fromEntries(sideNames.map((side) => [side, round(rps(side))])),
      readCpuUsPerRequest: Object.fromEntries(sideNames.map((side) => [side, round(cpuUs(side), 1)])),
      oneEvaluation,
      noneAgain,
      perEvaluationInApiUs: round(perEvaluationInApiUs, 2),
      evaluationNs: { featureFlags: round(evaluationNs.featureFlags), sdk: round(evaluationNs.sdk) },
      evaluationShareOfReadPercent: {
        inApi: share(perEvaluationInApiUs),
        featureFlags: share(evaluationNs.featureFlags / 1000),
        sdk: share(evaluationNs.sdk / 1000),
      },
      ...figures,
    }),
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
