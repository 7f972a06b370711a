// @ts-check
/**
 * `npm run chaos`: faults under load, each on the cluster's own processes (its own PostgreSQL
 * and Redis, never the machine's shared ones):
 *   api-kill        SIGKILL of an api (then started again, as an orchestrator would)
 *   worker-kill     SIGKILL of a worker while a backlog is being worked off (then started again)
 *   postgres-restart a fast restart of PostgreSQL (every session terminated, then refused, then back)
 *   redis-restart   SHUTDOWN of Redis and a start (its append-only file keeps the queues)
 * For each: the requests that failed while it lasted, how long until requests succeeded again,
 * events lost (committed but never delivered to the webhook endpoint or a real-time client —
 * must be 0) and duplicate deliveries (at-least-once: allowed, counted).
 *
 * CHAOS_FAULTS picks faults (comma-separated, default all); CHAOS_USERS (6), CHAOS_PAUSE_MS (40),
 * CHAOS_BEFORE_MS / CHAOS_AFTER_MS (load before the fault, 3000, and after recovery, 5000),
 * CHAOS_BACKLOG (150). The last line counts faults, requests, failed requests, events lost and
 * duplicates; exit 0 when no event was lost.
 */
import { knob } from '../bench/lib.js';
import { Cleanup, clusterForScript, runScript, sleep, step } from './lib.js';
import { LoadGenerator, outboxPosition, settleEvents, watchedTenant } from './traffic.js';

const ALL_FAULTS = /** @type {const} */ (['api-kill', 'worker-kill', 'postgres-restart', 'redis-restart']);
/** @typedef {(typeof ALL_FAULTS)[number]} Fault */
const FAULTS = /** @type {Fault[]} */ (
  (process.env.CHAOS_FAULTS ?? ALL_FAULTS.join(','))
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
);
for (const fault of FAULTS) {
  if (!(/** @type {readonly string[]} */ (ALL_FAULTS).includes(fault)))
    throw new Error(`unknown fault ${fault}; known: ${ALL_FAULTS.join(', ')}`);
}
const USERS = knob('CHAOS_USERS', 6);
const PAUSE_MS = knob('CHAOS_PAUSE_MS', 40, 0);
const BEFORE_MS = knob('CHAOS_BEFORE_MS', 3000, 0);
const AFTER_MS = knob('CHAOS_AFTER_MS', 5000, 0);
const BACKLOG = knob('CHAOS_BACKLOG', 150, 0);

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @param {Map<string, number>[]} maps */
const duplicatesIn = (maps) => maps.reduce((sum, map) => sum + [...map.values()].reduce((s, n) => s + n - 1, 0), 0);

async function main() {
  const cluster = await clusterForScript(cleanup);
  const { tenant, receiver, clients } = await watchedTenant(cluster, cleanup, {
    label: 'chaos',
    description: 'chaos',
    clients: [
      { kind: 'sse', name: 'sse' },
      { kind: 'ws', name: 'ws' },
    ],
  });
  const consumers = [{ name: 'webhook', received: receiver.received }, ...clients];

  /** @type {{ fault: Fault, requests: number, failed: number, statuses: string, recoveryMs: number, faultMs: number, settledMs: number, lost: number, duplicates: number, events: number }[]} */
  const results = [];
  for (const fault of FAULTS) {
    const afterSeq = await outboxPosition(cluster);
    const duplicatesBefore = duplicatesIn(consumers.map((c) => c.received));
    const load = new LoadGenerator({ baseUrl: cluster.url, tenant, users: USERS, pauseMs: PAUSE_MS });
    load.start();
    await sleep(BEFORE_MS);
    const injectedAt = Date.now();
    step(`${fault}: injecting`);
    const faultMs = await inject(fault, cluster, load);
    step(`${fault}: the faulty part is back after ${faultMs} ms`);
    await sleep(AFTER_MS);
    await load.stop();
    const settled = await settleEvents({
      cluster,
      workspaceId: tenant.workspaceId,
      afterSeq,
      consumers,
      timeoutMs: 180_000,
    });
    const lastFailure = load.failures.at(-1)?.at;
    const result = {
      fault,
      requests: load.requests,
      failed: load.failures.length,
      statuses: [...new Set(load.failures.map((f) => f.status))].join('/') || '-',
      recoveryMs: lastFailure === undefined ? 0 : lastFailure - injectedAt,
      faultMs,
      settledMs: settled.settledMs,
      lost: settled.lost,
      duplicates: duplicatesIn(consumers.map((c) => c.received)) - duplicatesBefore,
      events: settled.events,
    };
    results.push(result);
    step(`${fault}: ${JSON.stringify(result)}`);
    for (const m of settled.missing) step(`${fault}: MISSING at ${m.name}: ${m.missing.length}`);
    for (const f of load.failures.slice(0, 5)) step(`${fault}: failed ${f.what} → ${f.status} ${f.detail}`);
  }
  clients.forEach((client) => client.stop());

  console.log(
    [
      `chaos through ${cluster.url}: ${USERS} users; per fault: load ${BEFORE_MS} ms before, ${AFTER_MS} ms after`,
      'fault             requests  failed  statuses     back after  last failure  events  lost  duplicates  all delivered',
      ...results.map(
        (r) =>
          `${r.fault.padEnd(17)} ${String(r.requests).padStart(8)}  ${String(r.failed).padStart(6)}  ${r.statuses.padEnd(11)}  ` +
          `${`${r.faultMs} ms`.padStart(10)}  ${`${r.recoveryMs} ms`.padStart(12)}  ${String(r.events).padStart(6)}  ` +
          `${String(r.lost).padStart(4)}  ${String(r.duplicates).padStart(10)}  ${`+${r.settledMs} ms`.padStart(13)}`,
      ),
      `real-time clients: ${clients.map((c) => `${c.options.name} ${c.connections} connections, ${c.resyncs} resyncs`).join('; ')}`,
    ].join('\n'),
  );
  const sum = (/** @type {(r: (typeof results)[number]) => number} */ f) => results.reduce((s, r) => s + f(r), 0);
  const lost = sum((r) => r.lost);
  console.log(
    `${results.length} faults, ${sum((r) => r.requests)} requests, ${sum((r) => r.failed)} failed, ` +
      `${lost} events lost, ${sum((r) => r.duplicates)} duplicates`,
  );
  return lost === 0 ? 0 : 1;
}

/**
 * Injects one fault and brings the faulty part back; resolves with how long that took.
 * @param {Fault} fault @param {import('./lib.js').Cluster} cluster @param {LoadGenerator} load
 */
async function inject(fault, cluster, load) {
  const started = Date.now();
  switch (fault) {
    case 'api-kill': {
      const [api] = cluster.instances('api');
      if (!api) throw new Error('no api');
      await cluster.stop(api.name, 'SIGKILL');
      await cluster.restart(api.name);
      break;
    }
    case 'worker-kill': {
      const [worker] = cluster.instances('worker');
      if (!worker) throw new Error('no worker');
      await load.backlog(BACKLOG, 12, 'Backlog');
      const killedAt = Date.now();
      await cluster.stop(worker.name, 'SIGKILL');
      await cluster.restart(worker.name);
      return Date.now() - killedAt;
    }
    case 'postgres-restart':
      await cluster.postgres.restart();
      break;
    case 'redis-restart':
      await cluster.redis.restart();
      cluster.state.redis.pid = cluster.redis.pid;
      cluster.save();
      break;
    default: {
      /** @type {never} */
      const unknown = fault;
      throw new Error(`unknown fault ${String(unknown)}`);
    }
  }
  return Date.now() - started;
}

await runScript(main, cleanup);
