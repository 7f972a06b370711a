// @ts-check
/**
 * `npm run bench:tasks`: the work domain under load, in one run on this machine.
 *
 * Seeds 100,000 tasks across 10 projects of one workspace (projects through the api, tasks with
 * one INSERT … SELECT generate_series per project, then ANALYZE), then measures with wrk
 * (-t1 -c32 by default), each target warmed up first:
 *   - `GET /health/live` of the same api process (the reference);
 *   - `GET` one task (the cache warm: the same task every time);
 *   - the task list, first page (limit 20);
 *   - the task list, page 500, by cursor (the cursor found by walking 499 pages first);
 *   - `POST` create task (a wrk Lua script sends the body);
 *   - the list's first page again at half of the maximum rate wrk measured, paced open-loop
 *     (`paced-load.js`: latency from when each request was due), for its p99 at that load.
 * Targets (issue 6): a cached single-task read ≥ 50 % of /health/live; page 500 within 1.5× of
 * the first page's latency; list p99 under 50 ms at light load.
 *
 * Production mode, RATE_LIMIT_PER_MINUTE raised so wrk is not answered 429, own database and
 * Redis prefix, removed at the end. Needs `npm run build` and wrk.
 * Knobs: BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_CONNECTIONS (32), BENCH_TASKS (100000).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pacedLoad } from './paced-load.js';
import {
  api,
  assertBuilt,
  assertWrkInstalled,
  benchRun,
  Cleanup,
  formatTable,
  generateSecrets,
  knob,
  progress,
  round,
  runWrk,
  startBenchApi,
} from './lib.js';

const LOAD = {
  connections: knob('BENCH_CONNECTIONS', 32),
  durationSec: knob('BENCH_DURATION', 10),
  warmupSec: knob('BENCH_WARMUP', 3),
  tasks: knob('BENCH_TASKS', 100_000),
};
const PROJECTS = 10;
const USER = { email: 'tasks-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };

const cleanup = new Cleanup();
const interrupted = new AbortController();
cleanup.handleSignals(() => interrupted.abort());

/**
 * @typedef {{ id: string }} Created
 * @typedef {{ data: { id: string }[], page: { nextCursor: string } }} TaskPage
 * @typedef {{ accessToken: string }} Tokens
 */

/** @param {string} databaseUrl @param {(client: pg.Client) => Promise<void>} fn */
async function withDb(databaseUrl, fn) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

async function main() {
  const wrkVersion = assertWrkInstalled();
  assertBuilt(['dist/api/main.js']);
  const run = await benchRun(cleanup, 'tasks');
  const { workDir, database } = run;
  const { app, base } = await startBenchApi(run, { secrets: generateSecrets(), cleanup });

  await api(`${base}/v1/auth/register`, { method: 'POST', body: JSON.stringify(USER) });
  await withDb(database.url, (db) =>
    db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [USER.email]).then(() => undefined),
  );
  const { accessToken: token } = /** @type {Tokens} */ (
    await api(`${base}/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email: USER.email, password: USER.password }),
    })
  );
  const workspace = /** @type {Created} */ (
    await api(`${base}/v1/workspaces`, {
      method: 'POST',
      token,
      body: JSON.stringify({ name: 'Bench', slug: 'bench' }),
    })
  );
  const tasksUrl = `${base}/v1/workspaces/${workspace.id}/tasks`;
  /** @type {string[]} */
  const projectIds = [];
  for (let i = 0; i < PROJECTS; i += 1) {
    const project = /** @type {Created} */ (
      await api(`${base}/v1/workspaces/${workspace.id}/projects`, {
        method: 'POST',
        token,
        body: JSON.stringify({ name: `Project ${i}`, key: `P${String.fromCharCode(65 + i)}` }),
      })
    );
    projectIds.push(project.id);
  }
  const perProject = Math.ceil(LOAD.tasks / PROJECTS);
  progress(`seeding ${perProject * PROJECTS} tasks`);
  const me = /** @type {Created} */ (await api(`${base}/v1/me`, { token }));
  await withDb(database.url, async (db) => {
    for (const projectId of projectIds) {
      // Random v4 ids instead of the api's v7: the list orders by created_at, which is spread here.
      await db.query(
        `INSERT INTO tasks (id, workspace_id, project_id, number, title, status, priority, labels, due_at,
                            created_by_id, created_at, updated_at)
         SELECT gen_random_uuid(), $1, $2, n, 'Task ' || n,
                (ARRAY['todo','in_progress','in_review','done','canceled'])[1 + n % 5]::task_status,
                (ARRAY['none','low','medium','high','urgent'])[1 + n % 5]::task_priority,
                ARRAY['bench', 'l' || (n % 7)]::varchar(50)[],
                now() + (n % 30) * interval '1 day', $3,
                now() - n * interval '1 second', now() - n * interval '1 second'
         FROM generate_series(1, $4::int) AS n`,
        [workspace.id, projectId, me.id, perProject],
      );
      await db.query('UPDATE projects SET next_task_number = $2 WHERE id = $1', [projectId, perProject + 1]);
    }
    await db.query('ANALYZE tasks');
  });

  const firstPage = /** @type {TaskPage} */ (await api(`${tasksUrl}?limit=20`, { token }));
  const oneTaskUrl = `${tasksUrl}/${firstPage.data[0]?.id}`;
  progress('walking to page 500 by cursor');
  let cursor = firstPage.page.nextCursor;
  for (let page = 2; page < 500; page += 1) {
    const next = /** @type {TaskPage} */ (
      await api(`${tasksUrl}?limit=20&cursor=${encodeURIComponent(cursor)}`, { token })
    );
    cursor = next.page.nextCursor;
  }
  const page500Url = `${tasksUrl}?limit=20&cursor=${encodeURIComponent(cursor)}`;

  const createScript = path.join(workDir, 'create-task.lua');
  writeFileSync(
    createScript,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n` +
      `wrk.body = '${JSON.stringify({ projectId: projectIds[0], title: 'Created under load', labels: ['load'] })}'\n`,
  );
  const auth = { authorization: `Bearer ${token}` };
  /** @type {{ name: string, url: string, headers?: Record<string, string>, script?: string, connections?: number }[]} */
  const targets = [
    { name: 'GET /health/live', url: `${base}/health/live` },
    { name: 'GET one task (warm)', url: oneTaskUrl, headers: auth },
    { name: 'list, first page', url: `${tasksUrl}?limit=20`, headers: auth },
    { name: 'list, page 500 (cursor)', url: page500Url, headers: auth },
    { name: 'POST create task', url: tasksUrl, headers: auth, script: createScript },
  ];
  /** @type {Record<string, import('./lib.js').WrkResult>} */
  const results = {};
  for (const target of targets) {
    const options = {
      url: target.url,
      headers: target.headers,
      connections: target.connections ?? LOAD.connections,
      signal: interrupted.signal,
      ...(target.script ? { script: target.script } : {}),
    };
    progress(`${target.name}: warm-up ${LOAD.warmupSec} s, then ${LOAD.durationSec} s`);
    await runWrk({ ...options, durationSec: LOAD.warmupSec });
    const result = await runWrk({ ...options, durationSec: LOAD.durationSec });
    if (result.non2xx3xx > 0) throw new Error(`${target.name}: ${result.non2xx3xx} answers were not 2xx`);
    results[target.name] = result;
  }
  const halfRate = Math.max(1, Math.round((results['list, first page']?.requestsPerSec ?? 0) / 2));
  progress(`list, first page paced at ${halfRate} req/s (half of its max): warm-up, then ${LOAD.durationSec} s`);
  const paced = { url: `${tasksUrl}?limit=20`, headers: auth, rate: halfRate };
  await pacedLoad({ ...paced, durationSec: LOAD.warmupSec });
  const atHalf = await pacedLoad({ ...paced, durationSec: LOAD.durationSec });
  if (atHalf.failed > 0) throw new Error(`paced list: ${atHalf.failed} requests failed`);
  await app.stop();

  const rps = (/** @type {string} */ name) => round(results[name]?.requestsPerSec ?? 0);
  const ms = (/** @type {string} */ name, /** @type {'p50' | 'p99'} */ q) => results[name]?.latencyMs[q] ?? 0;
  console.log(`\nwrk ${wrkVersion} -t1 -c${LOAD.connections} -d${LOAD.durationSec}s; ${perProject * PROJECTS} tasks`);
  console.log(
    formatTable([
      ['target', 'req/s', 'p50 ms', 'p99 ms'],
      ...targets.map((t) => [t.name, rps(t.name), ms(t.name, 'p50'), ms(t.name, 'p99')]),
      [`list, first page, paced at ${halfRate}/s`, atHalf.achievedRate, atHalf.latencyMs.p50, atHalf.latencyMs.p99],
    ]),
  );
  const figures = {
    taskReadVsLive: round(rps('GET one task (warm)') / rps('GET /health/live'), 3),
    page500VsFirstP50: round(ms('list, page 500 (cursor)', 'p50') / ms('list, first page', 'p50'), 2),
    listP99AtHalfMaxMs: atHalf.latencyMs.p99,
  };
  console.log(
    `\ncached task read / live: ${round(figures.taskReadVsLive * 100, 1)} % (target ≥ 50 %); ` +
      `page 500 / first page p50: ${figures.page500VsFirstP50}× (target ≤ 1.5×); ` +
      `list p99 at half its max rate (paced): ${figures.listP99AtHalfMaxMs} ms (target < 50 ms)`,
  );
  console.log(JSON.stringify({ rps: Object.fromEntries(targets.map((t) => [t.name, rps(t.name)])), ...figures }));
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
