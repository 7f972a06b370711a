// @ts-check
/**
 * `npm run bench:flags`: what feature flags cost, in one run on this machine.
 *
 * Two api instances (production mode) on one database and Redis prefix:
 *   - the first runs `flag-evaluating-api.js` (the built api plus one flag evaluation on
 *     requests that carry `X-Bench-Flag: 1`);
 *   - the second is the plain built api.
 *
 * 1. A cached task read (`GET /v1/workspaces/{id}/tasks/{taskId}`, the same task every time:
 *    served from the two-level cache) on the first instance, without and with one flag
 *    evaluation, with wrk (-t1 -c32 by default) in alternating rounds (without, with, without,
 *    with, …) so drift in the machine's load falls on both alike. Target (issue 13): the two
 *    within 2 % of each other.
 *    Alongside, the evaluation alone: the same provider and hook classes the api uses, through an
 *    OpenFeature client in this process, its CPU time over 200,000 evaluations, against the api's
 *    CPU time per cached read (measured from /proc during the rounds). CPU time per request is
 *    far less sensitive to the machine's load than two throughputs are.
 * 2. Propagation: 50 times, `PUT /v1/admin/flags/bench.propagation` on the first instance
 *    (alternately listing the workspace and not), while the second instance's
 *    `GET /v1/workspaces/{id}/flags` is polled back to back until it shows the change; the
 *    time from sending the PUT (and from its answer) to the second instance's first answer that
 *    shows it, p50 and p95. The periodic reload is set to an hour, so only the Redis notice
 *    carries the changes.
 *
 * Own database and Redis prefix, removed at the end. Needs `npm run build` and wrk.
 * Knobs: BENCH_DURATION (5 s per round), BENCH_ROUNDS (3 per side), BENCH_WARMUP (3 s),
 * BENCH_CONNECTIONS (32), BENCH_CHANGES (50).
 */
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { OpenFeature } from '@openfeature/server-sdk';
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
  progress,
  round,
  runWrk,
  signUpVerified,
  startBenchApi,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 5),
  rounds: knob('BENCH_ROUNDS', 3),
  warmupSec: knob('BENCH_WARMUP', 3),
  changes: knob('BENCH_CHANGES', 50),
};
const ADMIN = { email: 'flags-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };
const FLAG = 'bench.propagation';

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

/**
 * CPU nanoseconds per evaluation of `attachments` for a workspace: the api's provider over the
 * built-in definitions, the api's hook, an OpenFeature client of its own domain.
 * @returns {Promise<number>}
 */
async function evaluationNanoseconds() {
  // As in the api at LOG_LEVEL=warn: the hook's debug line is dropped.
  Logger.overrideLogger(['warn', 'error', 'fatal']);
  const flags = await import('../../libs/flags/dist/index.js');
  const definitions = flags.builtInDefinitions();
  /** @type {import('../../libs/flags/dist/index.js').FlagLookup} */
  const lookup = { get: (key) => definitions.get(key), source: 'storage' };
  const domain = `bench-${process.pid}`;
  OpenFeature.setProvider(domain, new flags.GroundworkFlagProvider(lookup));
  const client = OpenFeature.getClient(domain);
  const metrics = /** @type {import('@groundwork/platform').MetricsService} */ (
    /** @type {unknown} */ ({ registry: new Registry() })
  );
  client.addHooks(new flags.FlagEvaluationHook(metrics));
  const context = {
    targetingKey: '01a25101-75b5-721c-9852-b27dff7003f2',
    workspaceId: '01a25101-75b5-721c-9852-b27dff7003f2',
  };
  const run = async (/** @type {number} */ n) => {
    for (let i = 0; i < n; i += 1) await client.getBooleanValue('attachments', true, context);
  };
  await run(20_000);
  const count = 200_000;
  const started = process.cpuUsage();
  await run(count);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / count;
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js', 'libs/flags/dist/index.js']);
  const run = await benchRun(cleanup, 'flags');
  const { database } = run;
  const secrets = generateSecrets();
  const ports = [await freePort(), await freePort()];
  /** @param {string} name @param {string} script @param {number} port */
  const start = async (name, script, port) =>
    startBenchApi(run, {
      name,
      script,
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
  const second = await start('api-2', 'dist/api/main.js', ports[1]);

  const token = await signUpVerified(first.base, database.url, ADMIN);
  const { workspace, task } = await createBenchTask(first.base, token);
  const ws = `/v1/workspaces/${workspace.id}`;

  // 1. The cached read, without and with one evaluation, in alternating rounds.
  const auth = { authorization: `Bearer ${token}` };
  const taskUrl = `${first.base}${ws}/tasks/${task.id}`;
  const sides = /** @type {const} */ ({
    without: { ...auth },
    with: { ...auth, 'x-bench-flag': '1' },
  });
  progress(`warm-up ${LOAD.warmupSec} s per side`);
  for (const headers of Object.values(sides)) {
    await runWrk({ url: taskUrl, headers, connections: LOAD.connections, durationSec: LOAD.warmupSec });
  }
  /** @type {Record<keyof typeof sides, { requests: number, seconds: number, cpu: number, p50: number[], p99: number[] }>} */
  const totals = {
    without: { requests: 0, seconds: 0, cpu: 0, p50: [], p99: [] },
    with: { requests: 0, seconds: 0, cpu: 0, p50: [], p99: [] },
  };
  for (let roundNo = 1; roundNo <= LOAD.rounds; roundNo += 1) {
    for (const side of /** @type {(keyof typeof sides)[]} */ (
      roundNo % 2 ? ['without', 'with'] : ['with', 'without']
    )) {
      progress(`round ${roundNo}/${LOAD.rounds}: ${side} an evaluation, ${LOAD.durationSec} s`);
      const cpuBefore = cpuSeconds(first.app.pid);
      const result = await runWrk({
        url: taskUrl,
        headers: sides[side],
        connections: LOAD.connections,
        durationSec: LOAD.durationSec,
        signal: interrupted.signal,
      });
      if (result.non2xx3xx > 0) throw new Error(`${side}: ${result.non2xx3xx} answers were not 2xx`);
      totals[side].cpu += cpuSeconds(first.app.pid) - cpuBefore;
      totals[side].requests += result.requests;
      totals[side].seconds += result.durationSec;
      totals[side].p50.push(result.latencyMs.p50);
      totals[side].p99.push(result.latencyMs.p99);
    }
  }
  const rps = (/** @type {keyof typeof sides} */ side) => totals[side].requests / totals[side].seconds;
  const readCostPercent = round((1 - rps('with') / rps('without')) * 100, 2);
  // CPU time the api spent per request: what an evaluation adds, whatever else the machine runs.
  const cpuUs = (/** @type {keyof typeof sides} */ side) => (totals[side].cpu / totals[side].requests) * 1e6;
  const cpuCostPercent = round((cpuUs('with') / cpuUs('without') - 1) * 100, 2);
  progress('the evaluation alone, 200,000 times in this process');
  const evaluationNs = await evaluationNanoseconds();
  const evaluationShareOfReadPercent = round((evaluationNs / 1000 / cpuUs('without')) * 100, 2);

  console.log(
    `\nwrk ${wrkVersion} -t1 -c${LOAD.connections}, ${LOAD.rounds} alternating rounds of ${LOAD.durationSec} s per side`,
  );
  console.log(
    formatTable([
      ['cached task read', 'req/s', 'api CPU µs/request', 'p50 ms (per round)', 'p99 ms (per round)'],
      .../** @type {(keyof typeof sides)[]} */ (['without', 'with']).map((side) => [
        `${side} one flag evaluation`,
        round(rps(side)),
        round(cpuUs(side), 1),
        totals[side].p50.join(' / '),
        totals[side].p99.join(' / '),
      ]),
    ]),
  );
  console.log(
    `\nwith vs without: ${cpuCostPercent} % more api CPU per request, ${readCostPercent} % less throughput ` +
      `(target ≤ 2 %); ` +
      `one evaluation alone: ${round(evaluationNs)} ns of CPU, ${evaluationShareOfReadPercent} % of a cached ` +
      `read's CPU`,
  );

  // 2. Propagation to the second instance.
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
      readRps: { without: round(rps('without')), with: round(rps('with')) },
      readCostPercent,
      readCpuUsPerRequest: { without: round(cpuUs('without'), 1), with: round(cpuUs('with'), 1) },
      cpuCostPercent,
      evaluationNs: round(evaluationNs),
      evaluationShareOfReadPercent,
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
