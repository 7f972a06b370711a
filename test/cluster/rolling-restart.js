// @ts-check
/**
 * `npm run rolling-restart`: what a Kubernetes rolling update does to the product, under load.
 * Through the proxy: a bounded load generator (create, read, list, move, comment), SSE and
 * WebSocket clients, a webhook endpoint subscribed to every event. Then each api in turn is
 * drained and stopped (SIGTERM) and started again, then each worker while a backlog of events
 * is being worked off. It rolls a schema change too, the way a Kubernetes rolling update does:
 * the cluster starts on the previous release (test/cluster/previous-release.js) and its schema,
 * this tree's newer migrations are applied with `prisma migrate deploy` under load while the
 * previous release serves (the migration Job), and each restarted instance runs this checkout's
 * build — so the previous release runs on the new schema until its last instance stops. (A
 * script driving an already running `npm run cluster` rolls code only: that cluster is on the
 * newest schema already.) Afterwards:
 *   - no request failed (a 5xx, a 429 or a reset is a failure),
 *   - every task answered with 201 can be read,
 *   - every committed event reached the webhook endpoint and every real-time client, each of
 *     which reconnected after its api stopped and resumed after its last event.
 * The last line is `<N> requests, <F> failed, <L> events lost`; exit 0 only when F = L = 0
 * and every other check held.
 *
 * Knobs: ROLLING_USERS (virtual users, 6), ROLLING_PAUSE_MS (pause between a user's requests,
 * 40), ROLLING_SSE / ROLLING_WS (clients of each kind, 3), ROLLING_BACKLOG (tasks created at
 * once before a worker stops, 150), ROLLING_SETTLE_MS (load between restarts, 3000), ROLLING_FROM
 * (the previous release, a git ref; default in test/cluster/previous-release.js).
 */
import { execFileSync } from 'node:child_process';
import { knob, ROOT } from '../bench/lib.js';
import { attachedCluster, Cleanup, clusterPort, runScript, sleep, startCluster, step } from './lib.js';
import { migrateDeploy, migrationsOf, previousRelease } from './previous-release.js';
import { isFailure, LoadGenerator, outboxPosition, settleEvents, watchedTenant } from './traffic.js';

const USERS = knob('ROLLING_USERS', 6);
const PAUSE_MS = knob('ROLLING_PAUSE_MS', 40, 0);
const SSE_CLIENTS = knob('ROLLING_SSE', 3, 0);
const WS_CLIENTS = knob('ROLLING_WS', 3, 0);
const BACKLOG = knob('ROLLING_BACKLOG', 150, 0);
const SETTLE_MS = knob('ROLLING_SETTLE_MS', 3000, 0);

const cleanup = new Cleanup();
cleanup.handleSignals();

/**
 * The cluster to roll: one already running (code only), else a new one on the previous release.
 */
async function rollingCluster() {
  const port = clusterPort();
  const attached = await attachedCluster(port);
  if (attached) return { cluster: attached, schema: undefined };
  const previous = await previousRelease();
  const current = migrationsOf(ROOT);
  const unknown = previous.migrations.filter((name) => !current.includes(name));
  if (unknown.length > 0) throw new Error(`the previous release has migrations this tree lacks: ${unknown.join(', ')}`);
  const pending = current.filter((name) => !previous.migrations.includes(name));
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  step(
    `starting on the previous release ${previous.commit.slice(0, 12)} and its schema (${pending.length} migrations behind)`,
  );
  const { cluster } = await startCluster({ port, cleanup, root: previous.dir });
  return { cluster, schema: { from: previous.commit, to: head, pending, migrateMs: 0 } };
}

async function main() {
  const { cluster, schema } = await rollingCluster();
  let afterSeq = '';
  const { tenant, receiver, clients } = await watchedTenant(cluster, cleanup, {
    label: 'rolling',
    description: 'rolling restart',
    clients: [
      ...Array.from({ length: SSE_CLIENTS }, (_, i) => ({ kind: /** @type {const} */ ('sse'), name: `sse${i + 1}` })),
      ...Array.from({ length: WS_CLIENTS }, (_, i) => ({ kind: /** @type {const} */ ('ws'), name: `ws${i + 1}` })),
    ],
    beforeClients: async () => {
      afterSeq = await outboxPosition(cluster);
    },
  });
  step(`${clients.length} real-time clients connected`);

  const load = new LoadGenerator({ baseUrl: cluster.url, tenant, users: USERS, pauseMs: PAUSE_MS });
  load.start();
  cleanup.add('stop the load', () => load.stop());
  await sleep(SETTLE_MS);

  if (schema) {
    // The migration Job: the new schema under the previous release's instances, which keep serving.
    step(`prisma migrate deploy under load: ${schema.pending.join(', ') || 'nothing pending'}`);
    schema.migrateMs = await migrateDeploy(ROOT, cluster.databaseUrl);
    step(`migrated in ${schema.migrateMs} ms; the previous release serves on the new schema`);
    await sleep(SETTLE_MS);
  }

  /** @type {{ instance: string, stopMs: number, readyMs: number }[]} */
  const restarts = [];
  for (const api of cluster.instances('api')) {
    step(`SIGTERM ${api.name} (drained in HAProxy first)`);
    const stopMs = await cluster.stop(api.name, 'SIGTERM');
    // Started again, it runs this checkout's build.
    delete api.root;
    const readyMs = await cluster.restart(api.name);
    step(`${api.name} stopped in ${stopMs} ms, back in rotation after ${Math.round(readyMs)} ms`);
    restarts.push({ instance: api.name, stopMs, readyMs });
    await sleep(SETTLE_MS);
  }
  for (const worker of cluster.instances('worker')) {
    // A backlog: many writes in a short time, so the worker is busy relaying and delivering when it stops.
    await load.backlog(BACKLOG, 12, `Backlog ${worker.name}`);
    step(`${BACKLOG} tasks created in a burst; SIGTERM ${worker.name} mid-backlog`);
    const stopMs = await cluster.stop(worker.name, 'SIGTERM');
    delete worker.root;
    const readyMs = await cluster.restart(worker.name);
    step(`${worker.name} stopped in ${stopMs} ms, ready again after ${Math.round(readyMs)} ms`);
    restarts.push({ instance: worker.name, stopMs, readyMs });
    await sleep(SETTLE_MS);
  }
  await load.stop();
  step(`load stopped: ${load.requests} requests; waiting for every event to reach every consumer`);

  const settled = await settleEvents({
    cluster,
    workspaceId: tenant.workspaceId,
    afterSeq,
    consumers: [{ name: 'webhook', received: receiver.received }, ...clients],
    timeoutMs: 120_000,
  });
  clients.forEach((client) => client.stop());
  const unreadable = await load.unreadable();
  const failed = load.failures.length;

  const notReconnected = clients.filter((client) => client.connections < 2);
  const resyncs = clients.reduce((sum, client) => sum + client.resyncs, 0);
  console.log(
    [
      `rolling restart through ${cluster.url}: ${USERS} users, ${clients.length} real-time clients`,
      schema
        ? `  rolled release ${schema.from.slice(0, 12)} → ${schema.to.slice(0, 12)} (this checkout); ` +
          `migrated under load while ${schema.from.slice(0, 12)} served (${schema.migrateMs} ms): ` +
          (schema.pending.join(', ') || 'no pending migration')
        : '  rolled code only: the running cluster is on the newest schema already',
      ...restarts.map(
        (r) => `  ${r.instance.padEnd(8)} SIGTERM → exit ${r.stopMs} ms, start → ready ${Math.round(r.readyMs)} ms`,
      ),
      `  requests by status: ${[...load.byStatus.entries()].map(([s, n]) => `${s}×${n}`).join(', ')}`,
      `  tasks created (201): ${load.created.length}, not readable afterwards: ${unreadable.length}`,
      `  events committed: ${settled.events}, unrelayed: ${settled.unrelayed}, lost: ${settled.lost}, ` +
        `duplicates: ${settled.duplicates} (all consumers settled ${settled.settledMs} ms after the load)`,
      `  webhook deliveries received: ${receiver.received.size} distinct`,
      ...clients.map(
        (c) =>
          `  ${c.options.name.padEnd(5)} connections ${c.connections}, events ${c.received.size}, resyncs ${c.resyncs}`,
      ),
      ...load.failures.slice(0, 10).map((f) => `  FAILED ${f.what} → ${f.status} ${f.detail}`),
      ...settled.missing.map((m) => `  MISSING at ${m.name}: ${m.missing.length} (${m.missing[0]?.type} …)`),
      ...unreadable.slice(0, 5).map((u) => `  UNREADABLE ${u}`),
      ...notReconnected.map((c) => `  NOT RECONNECTED ${c.options.name}`),
    ].join('\n'),
  );
  const ok =
    failed === 0 &&
    settled.lost === 0 &&
    unreadable.length === 0 &&
    notReconnected.length === 0 &&
    resyncs === 0 &&
    load.failures.every((f) => !isFailure(f.status));
  console.log(`${load.requests} requests, ${failed} failed, ${settled.lost} events lost`);
  return ok ? 0 : 1;
}

await runScript(main, cleanup);
