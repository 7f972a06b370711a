// @ts-check
/**
 * `npm run load`: the product's everyday mix (create, read, list, move, comment — and search
 * when the product has it) as fast as LOAD_USERS virtual users can go, first through the proxy
 * to both apis, then against one api alone (its own port, no proxy). For each: requests per
 * second, p50/p99 per kind, and the CPU (cores) and memory (RSS) of every process, from which
 * the capacity note in docs/scaling.md is derived.
 *
 * The load generator runs in this process on the same two cores as everything it measures:
 * its own CPU is printed too. Knobs: LOAD_USERS (16), LOAD_DURATION_S (20), LOAD_SEED_TASKS (200).
 * The last line: `<N> requests, <R> req/s through the proxy, <R1> req/s one api alone, <F> failed`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { knob, cpuSeconds, rssMiB } from '../bench/lib.js';
import { call, Cleanup, clusterForScript, progress, provisionTenant, runScript, sleep } from './lib.js';
import { LoadGenerator } from './traffic.js';

const USERS = knob('LOAD_USERS', 16);
const DURATION_S = knob('LOAD_DURATION_S', 20);
const SEED_TASKS = knob('LOAD_SEED_TASKS', 200, 0);

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @param {number[]} values @param {number} p */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * One measured run of the mix against `baseUrl`.
 * @param {string} label @param {string} baseUrl @param {import('./traffic.js').Tenant} tenant
 * @param {{ name: string, pid: number }[]} processes @param {boolean} search
 */
async function measure(label, baseUrl, tenant, processes, search) {
  const load = new LoadGenerator({ baseUrl, tenant, users: USERS, pauseMs: 0, search });
  const cpuBefore = processes.map(cpuOf);
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  load.start();
  await sleep(DURATION_S * 1000);
  await load.stop();
  const seconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const all = [...load.latencies.values()].flat();
  return {
    label,
    requests: load.requests,
    failed: load.failures.length,
    rps: load.requests / seconds,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    kinds: [...load.latencies.entries()].map(([kind, values]) => ({
      kind,
      count: values.length,
      p50: percentile(values, 50),
      p99: percentile(values, 99),
    })),
    processes: processes.map((p, i) => ({
      name: p.name,
      cores: (cpuOf(p) - (cpuBefore[i] ?? NaN)) / seconds,
      rssMiB: safeRss(p.pid),
    })),
    generatorCores: (self.user + self.system) / 1e6 / seconds,
  };
}

/**
 * PostgreSQL is a postmaster and one process per connection: its CPU is the sum over the
 * postmaster and its children (Linux /proc).
 * @param {number} rootPid
 */
function treeCpuSeconds(rootPid) {
  let total = cpuSeconds(rootPid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === rootPid) total += cpuSeconds(Number(entry)) || 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** @param {number} pid */
function safeRss(pid) {
  try {
    return rssMiB(pid);
  } catch {
    return NaN;
  }
}

/** @param {{ name: string, pid: number }} p */
const cpuOf = (p) => (p.name === 'postgres' ? treeCpuSeconds(p.pid) : cpuSeconds(p.pid));

/** @param {number} n @param {number} [digits] */
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main() {
  const cluster = await clusterForScript(cleanup);
  const tenant = await provisionTenant(cluster, 'load');
  const ws = `${cluster.url}/v1/workspaces/${tenant.workspaceId}`;
  progress(`seeding ${SEED_TASKS} tasks`);
  for (let i = 0; i < SEED_TASKS; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, SEED_TASKS - i) }, (_, j) =>
        call(`${ws}/tasks`, {
          method: 'POST',
          token: tenant.token,
          body: { projectId: tenant.projectId, title: `Seed task ${i + j}`, description: 'seeded for the load run' },
        }),
      ),
    );
  }
  const search = (await call(`${ws}/search?q=seed`, { token: tenant.token })).status === 200;
  const postmaster = Number(readFileSync(path.join(cluster.postgres.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const processes = [
    ...cluster.pids(),
    { name: 'postgres', pid: postmaster },
    { name: 'redis', pid: cluster.state.redis.pid ?? 0 },
  ];
  const [api1] = cluster.instances('api');
  if (!api1) throw new Error('no api');

  progress(`through the proxy: ${USERS} users for ${DURATION_S} s${search ? ' (search included)' : ''}`);
  const proxied = await measure('proxy → 2 apis', cluster.url, tenant, processes, search);
  await sleep(2000);
  progress(`one api alone (${api1.name}, no proxy): ${USERS} users for ${DURATION_S} s`);
  const alone = await measure(
    'one api alone',
    `http://127.0.0.1:${api1.port}`,
    tenant,
    processes.filter((p) => p.name !== 'haproxy'),
    search,
  );

  const lines = [
    `load mix: create, read, list, move, comment${search ? ', search' : ''}; ${USERS} users, ${DURATION_S} s each`,
  ];
  for (const run of [proxied, alone]) {
    const apiCores = run.processes.filter((p) => p.name.startsWith('api')).reduce((s, p) => s + p.cores, 0);
    lines.push(
      `${run.label}: ${run.requests} requests, ${fmt(run.rps)} req/s, p50 ${fmt(run.p50, 1)} ms, p99 ${fmt(run.p99, 1)} ms, ` +
        `${run.failed} failed; api CPU ${fmt(apiCores, 2)} cores → ${fmt(run.rps / apiCores)} req/s per api core`,
      `  per kind: ${run.kinds.map((k) => `${k.kind} ${k.count} (p50 ${fmt(k.p50, 1)}, p99 ${fmt(k.p99, 1)} ms)`).join('; ')}`,
      `  processes: ${run.processes.map((p) => `${p.name} ${fmt(p.cores, 2)} cores ${fmt(p.rssMiB)} MiB`).join('; ')}; ` +
        `load generator ${fmt(run.generatorCores, 2)} cores`,
    );
  }
  console.log(lines.join('\n'));
  console.log(
    `${proxied.requests + alone.requests} requests, ${fmt(proxied.rps)} req/s through the proxy, ` +
      `${fmt(alone.rps)} req/s one api alone, ${proxied.failed + alone.failed} failed`,
  );
  return proxied.failed + alone.failed === 0 ? 0 : 1;
}

await runScript(main, cleanup);
