// @ts-check
/**
 * `npm run bench:search`: search on PostgreSQL at the issue's volume, in one run on this machine.
 *
 * Seeds 100,000 tasks and 100,000 comments in 10 workspaces (one project each) in bulk SQL
 * (`search-seed.js`: the migration's triggers compute the vectors), then VACUUM ANALYZE, and
 * measures through HTTP against the built api (production mode):
 *   - p50/p95/p99 of five query shapes — one common word, two words, a phrase, a prefix, a rare
 *     word — with 1 client and with 16 concurrent clients (closed loop, keep-alive);
 *   - the rare-word and phrase queries (and a rare phrase) answered by an `ILIKE '%…%'` scan over
 *     title, description and comments of the same workspace's live content, most recent first,
 *     one page, against the search's own statement (SQL against SQL, the ratio, interleaved)
 *     and against its HTTP p50 (which also pays HTTP);
 *   - indexing lag at 200 writes/s with the worker running too (`measureLag`): creations and
 *     retitles sent open-loop over every workspace and several users, one in BENCH_LAG_SAMPLE
 *     probed from its answer until the search route finds it, and the outbox relay's delay;
 *   - the trigram fallback: a misspelled title word timed like the shapes, and its plan;
 *   - `npm run search:reindex` over the whole set (wall time).
 * Targets (issue 15): p95 < 30 ms at 1 client; index ≥ 10× faster than the scan; lag p95 < 1 s.
 * Knobs: BENCH_TASKS_PER_WORKSPACE (10000), BENCH_REQUESTS (200 per shape at 1 client, the
 * same in total at 16), BENCH_LAG_SECONDS (20), BENCH_WRITE_RATE (200), BENCH_LAG_SAMPLE (10). Needs `npm run build`.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { hitsQuery, similarTitlesQuery, toSearchText, tsqueryStatement } from '@groundwork/search';
import { SEED_COMMENTS, SEED_TASKS } from './search-seed.js';
import {
  api,
  assertBuilt,
  benchRun,
  callApi,
  Cleanup,
  cpuSeconds,
  formatTable,
  generateSecrets,
  knob,
  progress,
  round,
  runCommand,
  signUpVerified,
  sleep,
  startApp,
  startBenchApi,
} from './lib.js';

const LOAD = {
  perWorkspace: knob('BENCH_TASKS_PER_WORKSPACE', 10_000),
  requests: knob('BENCH_REQUESTS', 200),
  lagSeconds: knob('BENCH_LAG_SECONDS', 20),
  writeRate: knob('BENCH_WRITE_RATE', 200),
  lagSample: knob('BENCH_LAG_SAMPLE', 10),
};
const WORKSPACES = 10;
/** Users writing in the lag phase (the owner and members of every workspace). */
const LAG_USERS = 5;
const USER = { email: 'search-bench@example.com', password: 'correct horse battery staple', name: 'Bench' };
// Matches in the searched workspace's 10,000 tasks / 10,000 comments (`search-seed.js`): `task`
// 9,570 / 8,191; `deploy pipeline` (the last word a prefix) 2,685 / 1,020; the phrase 225 / 79
// (100 planted, the rest its words side by side by chance); `migr` 3,841 / 2,263; `zeppelin` 5 / 0.
const SHAPES = [
  { name: 'one common word', q: 'task' },
  { name: 'two words', q: 'deploy pipeline' },
  { name: 'a phrase', q: '"release notes"' },
  { name: 'a prefix', q: 'migr' },
  { name: 'a rare word', q: 'zeppelin' },
  // Not one of the five: full-text search finds nothing, so the trigram fallback answers.
  { name: 'a misspelled word (trigram fallback)', q: 'dashbord' },
];

const cleanup = new Cleanup();
cleanup.handleSignals(() => undefined);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
/** @param {number[]} values */
const summary = (values) => ({
  p50: round(quantile(values, 0.5), 1),
  p95: round(quantile(values, 0.95), 1),
  p99: round(quantile(values, 0.99), 1),
});

/** Closed loop: `clients` callers share `total` requests; each latency in ms. */
async function measure(
  /** @type {() => Promise<void>} */ request,
  /** @type {number} */ clients,
  /** @type {number} */ total,
) {
  /** @type {number[]} */
  const latencies = [];
  let left = total;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left > 0) {
        left -= 1;
        const start = performance.now();
        await request();
        latencies.push(performance.now() - start);
      }
    }),
  );
  return latencies;
}

/**
 * Indexing lag at a fixed write rate, with the api and the worker started as production starts
 * them (`npm run start:api`, `npm run start:worker`: the worker runs the outbox relay).
 *
 * Open loop: write i is due at start + i / rate and leaves then, whatever the answers do, so an
 * api that falls behind shows in the latencies (measured from when each write was due) instead
 * of slowing the writer down. Writes alternate between creating a task and retitling one this
 * phase created (PATCH, If-Match its version), round-robin over every seeded workspace and
 * LAG_USERS users, each title holding a unique word. One write in BENCH_LAG_SAMPLE is probed at
 * its answer: (a) the bench's own connection asks PostgreSQL whether the row's vector already
 * holds the word — searchable in the database, with no api in the way — and (b) the search
 * route is asked for the word every 10 ms until an answer holds the task: the lag a user sees.
 * Probing every write would itself be thousands of searches a second.
 * @param {{ base: string, env: Record<string, string>, run: { workDir: string }, db: pg.Client,
 *   workspaces: { id: string, projectId: string }[], ownerToken: string, apiPid: number }} options
 */
async function measureLag({ base, env, run, db, workspaces, ownerToken, apiPid }) {
  const worker = await startApp({
    name: 'worker',
    npmScript: 'start:worker',
    env,
    readyUrl: `http://127.0.0.1:${env.WORKER_PORT}/health/ready`,
    logFile: path.join(run.workDir, 'worker.log'),
    timeoutMs: 120_000,
    cleanup,
  });
  // Writers besides the owner: members of every workspace, so no one user carries the load.
  const tokens = [ownerToken];
  for (let u = 1; u < LAG_USERS; u += 1) {
    const user = { email: `search-lag-${u}@example.com`, password: USER.password, name: `Writer ${u}` };
    const token = await signUpVerified(base, env.DATABASE_URL, user);
    const me = /** @type {{ id: string }} */ (await api(`${base}/v1/me`, { token }));
    for (const ws of workspaces) {
      await db.query(
        `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'member', now())`,
        [ws.id, me.id],
      );
    }
    tokens.push(token);
  }
  // The probes' own connections: one client would queue them behind each other.
  const probes = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  cleanup.add('close the probe connections', () => probes.end());
  const { rows: clock } = await db.query('SELECT now() AS at');
  const phaseStartedAt = /** @type {{ at: Date }} */ (clock[0]).at;

  const total = LOAD.writeRate * LOAD.lagSeconds;
  const interval = 1000 / LOAD.writeRate;
  /** @type {{ id: string, workspaceId: string, version: number }[]} tasks of this phase, not being written */
  const idle = [];
  /** @type {number[]} */
  const writeLatencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  const counts = { create: 0, edit: 0 };
  /** @type {number[]} */
  const lags = [];
  /** @type {number[]} */
  const attempts = [];
  let visibleAtAnswer = 0;
  let probed = 0;
  let notFound = 0;
  let maxDispatchDelay = 0;

  /** @param {number} i @param {number} due */
  const write = async (i, due) => {
    const word = `lagword${i.toString(36)}q`;
    const title = `Written under load ${word}`;
    const token = /** @type {string} */ (tokens[i % tokens.length]);
    const target = i % 2 === 1 ? idle.shift() : undefined;
    const ws = target
      ? /** @type {{ id: string, projectId: string }} */ (workspaces.find((w) => w.id === target.workspaceId))
      : /** @type {{ id: string, projectId: string }} */ (workspaces[i % workspaces.length]);
    counts[target ? 'edit' : 'create'] += 1;
    /** @type {{ status: number, body: { id: string, version: number } }} */
    let answer;
    try {
      answer = /** @type {{ status: number, body: { id: string, version: number } }} */ (
        target
          ? await callApi(`${base}/v1/workspaces/${ws.id}/tasks/${target.id}`, {
              method: 'PATCH',
              token,
              headers: { 'if-match': `"${target.version}"` },
              body: JSON.stringify({ title }),
            })
          : await callApi(`${base}/v1/workspaces/${ws.id}/tasks`, {
              method: 'POST',
              token,
              body: JSON.stringify({ projectId: ws.projectId, title }),
            })
      );
    } catch (error) {
      // A connection reset or a timeout is an answer too: counted, never a crash of the bench.
      const cause = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code ?? String(error);
      statuses[cause] = (statuses[cause] ?? 0) + 1;
      return;
    }
    const answered = performance.now();
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status !== 200 && answer.status !== 201) return;
    writeLatencies.push(answered - due);
    const task = { id: answer.body.id, workspaceId: ws.id, version: answer.body.version };
    if (i % LOAD.lagSample === 0) {
      probed += 1;
      const { rows } = await probes.query(
        `SELECT search_vector @@ websearch_to_tsquery('groundwork_search', $2) AS found FROM tasks WHERE id = $1`,
        [task.id, word],
      );
      if (/** @type {{ found: boolean }[]} */ (rows)[0]?.found) visibleAtAnswer += 1;
      for (let attempt = 1; ; attempt += 1) {
        const found = /** @type {{ status: number, body: { data: { id: string }[] } }} */ (
          await callApi(`${base}/v1/workspaces/${ws.id}/search?q=${encodeURIComponent(`${word} `)}&type=task`, {
            token,
          }).catch(() => ({ status: 0, body: { data: [] } }))
        );
        // The task itself: a miss on one word would be answered by the trigram fallback with
        // the titles most like it (the other writes' words).
        if (found.status === 200 && found.body.data.some((hit) => hit.id === task.id)) {
          lags.push(performance.now() - answered);
          attempts.push(attempt);
          break;
        }
        if (performance.now() - answered > 10_000) {
          notFound += 1;
          break;
        }
        await sleep(10);
      }
    }
    idle.push(task);
  };

  const cpuBefore = { api: cpuSeconds(apiPid), worker: cpuSeconds(worker.pid) };
  /** @type {Promise<void>[]} */
  const inFlight = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Every write due by now leaves now: a late timer never thins the load out.
    while (sent < total && start + sent * interval <= now) {
      const due = start + sent * interval;
      maxDispatchDelay = Math.max(maxDispatchDelay, now - due);
      inFlight.push(write(sent, due));
      sent += 1;
    }
    await sleep(Math.max(0, start + sent * interval - performance.now()));
  }
  const lastDue = performance.now();
  // Written meanwhile: the writes' answers (the probes may still be searching).
  let lastAnswer = start;
  await Promise.all(inFlight.map((p) => p.then(() => (lastAnswer = Math.max(lastAnswer, performance.now())))));
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = {
    api: round((cpuSeconds(apiPid) - cpuBefore.api) / wallSeconds, 2),
    worker: round((cpuSeconds(worker.pid) - cpuBefore.worker) / wallSeconds, 2),
  };
  const loadDuring = load();
  const answeredOk = writeLatencies.length;
  // The relay's share: from an event's writing transaction to its jobs being enqueued.
  const { rows: relay } = await db.query(
    `SELECT count(*)::int AS events, count(relayed_at)::int AS relayed,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
              (ORDER BY extract(epoch FROM relayed_at - occurred_at) * 1000) AS ms
       FROM outbox_events WHERE occurred_at >= $1 AND type LIKE 'task.%'`,
    [phaseStartedAt],
  );
  await worker.stop();
  const relayRow = /** @type {{ events: number, relayed: number, ms: (number | null)[] }} */ (relay[0]);
  return {
    total,
    counts,
    statuses,
    offeredRate: round(total / ((lastDue - start) / 1000), 0),
    achievedRate: round(answeredOk / ((lastAnswer - start) / 1000), 0),
    maxDispatchDelay: round(maxDispatchDelay, 1),
    write: summary(writeLatencies),
    lag: summary(lags),
    probed,
    found: lags.length,
    foundFirstTry: attempts.filter((a) => a === 1).length,
    maxAttempts: Math.max(0, ...attempts),
    visibleAtAnswer,
    notFound,
    relay: {
      events: relayRow.events,
      relayed: relayRow.relayed,
      p50: round(relayRow.ms?.[0] ?? NaN, 1),
      p95: round(relayRow.ms?.[1] ?? NaN, 1),
      p99: round(relayRow.ms?.[2] ?? NaN, 1),
    },
    cpu,
    load: loadDuring,
  };
}

async function main() {
  assertBuilt(['dist/api/main.js', 'dist/worker/cli/search-reindex.js']);
  progress(`load average at start: ${load()}`);
  const run = await benchRun(cleanup, 'search');
  const { database } = run;
  const { app, base, env } = await startBenchApi(run, {
    secrets: generateSecrets(),
    // The machine may be busy: give the boot two minutes rather than the default 30 s.
    timeoutMs: 120_000,
    cleanup,
  });
  const token = await signUpVerified(base, database.url, USER);
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanup.add('close the bench connection', () => db.end());
  const me = /** @type {{ id: string }} */ (await api(`${base}/v1/me`, { token }));
  /** @type {{ id: string, projectId: string }[]} */
  const workspaces = [];
  const seedStart = performance.now();
  for (let i = 0; i < WORKSPACES; i += 1) {
    const ws = /** @type {{ id: string }} */ (
      await api(`${base}/v1/workspaces`, {
        method: 'POST',
        token,
        body: JSON.stringify({ name: `Bench ${i}`, slug: `bench-${i}` }),
      })
    );
    const project = /** @type {{ id: string }} */ (
      await api(`${base}/v1/workspaces/${ws.id}/projects`, {
        method: 'POST',
        token,
        body: JSON.stringify({ name: 'Bench', key: 'BEN' }),
      })
    );
    progress(`seeding workspace ${i + 1}/${WORKSPACES}: ${LOAD.perWorkspace} tasks and as many comments`);
    await db.query(SEED_TASKS, [ws.id, project.id, me.id, LOAD.perWorkspace]);
    await db.query('UPDATE projects SET next_task_number = $2 WHERE id = $1', [project.id, LOAD.perWorkspace + 1]);
    await db.query(SEED_COMMENTS, [ws.id, project.id, me.id]);
    workspaces.push({ id: ws.id, projectId: project.id });
  }
  await db.query('VACUUM ANALYZE tasks');
  await db.query('VACUUM ANALYZE task_comments');
  const seedSeconds = round((performance.now() - seedStart) / 1000, 1);
  const [ws] = workspaces;
  if (!ws) throw new Error('no workspace');
  const searchUrl = (/** @type {string} */ q) => `${base}/v1/workspaces/${ws.id}/search?q=${encodeURIComponent(q)}`;

  /** @type {(string | number)[][]} */
  const rows = [['shape', 'hits (1st page)', '1 client p50/p95/p99 ms', '16 clients p50/p95/p99 ms', `load`]];
  /** @type {Record<string, { p50: number, p95: number, p99: number }>} */
  const single = {};
  for (const shape of SHAPES) {
    const first = /** @type {{ data: unknown[] }} */ (await api(searchUrl(shape.q), { token }));
    const request = async () => {
      const { status } = await callApi(searchUrl(shape.q), { token });
      if (status !== 200) throw new Error(`${shape.q}: ${status}`);
    };
    progress(`${shape.name}: warm-up, then ${LOAD.requests} requests at 1 and at 16 clients`);
    await measure(request, 4, 40);
    const one = summary(await measure(request, 1, LOAD.requests));
    const sixteen = summary(await measure(request, 16, LOAD.requests));
    single[shape.name] = one;
    rows.push([
      shape.name,
      first.data.length,
      `${one.p50} / ${one.p95} / ${one.p99}`,
      `${sixteen.p50} / ${sixteen.p95} / ${sixteen.p99}`,
      load(),
    ]);
  }

  // The fallback's plan on this data (the plan test can only show it on 800 rows with help).
  const fallback = similarTitlesQuery(
    { workspaceId: ws.id, text: { query: 'dashbord', prefix: 'dashbord' }, types: ['task', 'comment'], limit: 21 },
    'dashbord',
  );
  const fallbackPlan = /** @type {{ 'QUERY PLAN': string }[]} */ (
    (await db.query(`EXPLAIN ${fallback.text}`, fallback.values)).rows
  )
    .map((row) => row['QUERY PLAN'])
    .join('\n');
  const fallbackIndexes = [...String(fallbackPlan).matchAll(/Index Scan on (\w+)/g)].map((m) => m[1]);

  progress('the same rare word and phrases by ILIKE scan (SQL)');
  /** @type {(string | number)[][]} */
  const scanRows = [
    ['query', 'ILIKE scan p50 ms', 'search SQL p50 ms', 'index faster by', 'search (HTTP) p50 ms', 'vs HTTP'],
  ];
  /** @type {Record<string, number>} */
  const ratios = {};
  // The scan answers the search's question as far as ILIKE can: the same workspace's live tasks
  // (title, description) and the comments of its live tasks, the same page (21 rows: the engine
  // asks one more than the 20 it returns), the most recent first since ILIKE cannot rank. The
  // rare phrase is not one of the five shapes (no HTTP figure): the phrase is in 2 % of the
  // tasks, so the recency-ordered scan stops after about a thousand rows, while this one is in
  // five tasks and must read them all.
  const PAGE = 21;
  const ILIKE_SCAN = `
    SELECT id FROM (
      (SELECT t.id, t.updated_at FROM tasks t
        WHERE t.workspace_id = $1 AND t.deleted_at IS NULL AND (t.title ILIKE $2 OR t.description ILIKE $2)
        ORDER BY t.updated_at DESC, t.id DESC LIMIT $3)
      UNION ALL
      (SELECT c.id, c.updated_at FROM task_comments c
        WHERE c.workspace_id = $1 AND c.body ILIKE $2
          AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = c.task_id AND t.deleted_at IS NULL)
        ORDER BY c.updated_at DESC, c.id DESC LIMIT $3)
    ) AS hits
    ORDER BY updated_at DESC, id DESC LIMIT $3`;
  for (const [name, pattern, q] of [
    ['a rare word', '%zeppelin%', 'zeppelin'],
    ['a phrase', '%release notes%', '"release notes"'],
    ['a rare phrase', '%zeppelin landed%', '"zeppelin landed"'],
  ]) {
    // The search's own statement, as the engine sends it (SQL against SQL).
    const text = toSearchText(/** @type {string} */ (q));
    const tsquery = /** @type {{ query: string }[]} */ (
      await db.query(tsqueryStatement(text).text, tsqueryStatement(text).values).then((r) => r.rows)
    )[0]?.query;
    const statement = hitsQuery(
      { workspaceId: ws.id, text, types: ['task', 'comment'], limit: PAGE },
      /** @type {string} */ (tsquery),
    );
    const indexed = async () => {
      await db.query(statement.text, statement.values);
    };
    const scan = async () => {
      await db.query(ILIKE_SCAN, [ws.id, pattern, PAGE]);
    };
    if ((await db.query(ILIKE_SCAN, [ws.id, pattern, PAGE])).rows.length === 0) throw new Error(`no ${pattern}`);
    await measure(indexed, 1, 5);
    await measure(scan, 1, 5);
    // Interleaved, so load that comes and goes weighs on both alike.
    /** @type {number[]} */
    const indexedTimes = [];
    /** @type {number[]} */
    const scanTimes = [];
    for (let round = 0; round < 6; round += 1) {
      indexedTimes.push(...(await measure(indexed, 1, 5)));
      scanTimes.push(...(await measure(scan, 1, 5)));
    }
    const indexedP50 = summary(indexedTimes).p50;
    const scanP50 = summary(scanTimes).p50;
    const searchP50 = single[/** @type {string} */ (name)]?.p50;
    ratios[/** @type {string} */ (name)] = round(scanP50 / indexedP50, 1);
    scanRows.push([
      /** @type {string} */ (name),
      scanP50,
      indexedP50,
      `${round(scanP50 / indexedP50, 1)}×`,
      searchP50 ?? '—',
      searchP50 === undefined ? '—' : `${round(scanP50 / searchP50, 1)}×`,
    ]);
  }

  progress(
    `indexing lag: ${LOAD.writeRate} writes/s for ${LOAD.lagSeconds} s (api + worker), one in ${LOAD.lagSample} probed`,
  );
  const lag = await measureLag({ base, env, run, db, workspaces, ownerToken: token, apiPid: app.pid });
  if (Object.keys(lag.statuses).some((status) => !/^\d+$/.test(status))) {
    progress(`writes without an HTTP answer; the end of the api's log:\n${app.logTail().slice(-3000)}`);
  }

  await app.stop();
  progress('npm run search:reindex over the whole set');
  const reindexStart = performance.now();
  const reindex = await runCommand(
    process.execPath,
    ['dist/worker/cli/search-reindex.js'],
    { ...process.env, ...env },
    1_800_000,
    cleanup,
  );
  const reindexSeconds = round((performance.now() - reindexStart) / 1000, 1);
  if (reindex.code !== 0) throw new Error(`search:reindex failed: ${reindex.stderr}`);

  console.log(
    `\n${WORKSPACES * LOAD.perWorkspace} tasks + as many comments in ${WORKSPACES} workspaces (seeded in ${seedSeconds} s); ` +
      `searches in one workspace (${LOAD.perWorkspace} tasks, ${LOAD.perWorkspace} comments), limit 20`,
  );
  console.log(formatTable(rows));
  console.log(
    `trigram fallback plan: ${fallbackIndexes.join(', ') || 'no index'} (Seq Scan: ${/Seq Scan/.test(String(fallbackPlan))})`,
  );
  console.log(`\n${formatTable(scanRows)}`);
  console.log(
    `\nindexing lag at ${lag.offeredRate} writes/s offered for ${LOAD.lagSeconds} s (${lag.counts.create} creations, ` +
      `${lag.counts.edit} retitles over ${WORKSPACES} workspaces and ${LAG_USERS} users; the writer was at most ` +
      `${lag.maxDispatchDelay} ms behind schedule): ${lag.achievedRate}/s answered 2xx, statuses ${JSON.stringify(lag.statuses)}; ` +
      `load ${lag.load}; CPU used (cores): api ${lag.cpu.api}, worker ${lag.cpu.worker}`,
  );
  console.log(
    formatTable([
      ['step', 'p50 ms', 'p95 ms', 'p99 ms', 'of'],
      ['write due → its 2xx', lag.write.p50, lag.write.p95, lag.write.p99, `${lag.total} writes`],
      [
        '2xx → in the vectors (SQL at the answer)',
        '—',
        '—',
        '—',
        `${lag.visibleAtAnswer} of ${lag.probed} probed already searchable`,
      ],
      [
        '2xx → found by the search route',
        lag.lag.p50,
        lag.lag.p95,
        lag.lag.p99,
        `${lag.found} of ${lag.probed} probed (${lag.foundFirstTry} at the first search, at most ${lag.maxAttempts}; ${lag.notFound} not within 10 s)`,
      ],
      [
        'event written → relayed (outbox relay)',
        lag.relay.p50,
        lag.relay.p95,
        lag.relay.p99,
        `${lag.relay.relayed} of ${lag.relay.events} task events`,
      ],
    ]),
  );
  console.log(`reindex of the whole set: ${reindexSeconds} s (${reindex.stdout.trim().split('\n').at(-1)})`);
  console.log(`load average at the end: ${load()} (${os.cpus().length} cores)`);
  console.log(
    JSON.stringify({
      p95AtOneClientMs: Object.fromEntries(Object.entries(single).map(([k, v]) => [k, v.p95])),
      indexVsScan: ratios,
      lagMs: lag.lag,
      lagWritesPerSecond: lag.achievedRate,
      reindexSeconds,
    }),
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
