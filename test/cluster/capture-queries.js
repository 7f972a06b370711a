// @ts-check
/**
 * `npm run db:capture-queries`: records the SQL this release sends to PostgreSQL, for the
 * expand/contract check of the next release (test/integration/database/previous-release-queries.test.ts).
 *
 * During a rolling update the previous release's pods keep running against the new schema, so a
 * migration may only expand (add tables, nullable or defaulted columns, indexes) while old code
 * still runs; removing or renaming what the old code reads waits for a later release (contract).
 * This script starts a cluster whose PostgreSQL logs every statement, drives the everyday mix
 * through it (tasks, comments, moves, webhooks, SSE and WebSocket clients, the worker's relay
 * and deliveries), and writes the distinct statements to prisma/compat/release-queries.sql.
 * Run it when cutting a release and commit the file: until the next release it is "the previous
 * release's queries", and the test prepares each of them against the schema being built.
 *
 * CAPTURE_DURATION_S (15): how long the load runs.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, knob, ROOT } from '../bench/lib.js';
import { call, Cleanup, progress, provisionTenant, sleep, startCluster } from './lib.js';
import { LoadGenerator, outboxPosition, RealtimeClient, settleEvents, startWebhookReceiver } from './traffic.js';

const DURATION_S = knob('CAPTURE_DURATION_S', 15);
export const RELEASE_QUERIES = path.join(ROOT, 'prisma/compat/release-queries.sql');

/**
 * The distinct data statements the apps sent, from a PostgreSQL log written with
 * `log_statement=all` and `log_line_prefix=%a:`.
 * @param {string} log
 */
export function statementsOf(log) {
  /** @type {Set<string>} */
  const statements = new Set();
  /** @type {string | undefined} */
  let current;
  const flush = () => {
    const text = current?.replace(/\s+/g, ' ').trim();
    if (text && /^(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(text)) statements.add(text);
    current = undefined;
  };
  for (const line of log.split('\n')) {
    // Only the apps' connections (application_name groundwork-api, -worker, -relay, …): not
    // this script's own queries.
    const match = /^groundwork-[\w-]*:LOG:\s+(?:execute [^:]*|statement): (.*)$/.exec(line);
    if (match) {
      flush();
      current = match[1];
    } else if (current !== undefined && line.startsWith('\t')) {
      current += ` ${line.trim()}`;
    } else {
      flush();
    }
  }
  flush();
  return [...statements].sort();
}

async function main() {
  const cleanup = new Cleanup();
  cleanup.handleSignals();
  try {
    const { cluster, postgres } = await startCluster({ port: await freePort(), cleanup, logStatements: true });
    // The migrations ran before the apps: only what the apps send from here on counts.
    const from = statSync(postgres.logFile).size;
    const tenant = await provisionTenant(cluster, 'capture');
    const receiver = await startWebhookReceiver();
    cleanup.add('close the webhook receiver', () => receiver.close());
    await call(`${cluster.url}/v1/workspaces/${tenant.workspaceId}/webhooks`, {
      method: 'POST',
      token: tenant.token,
      body: { url: receiver.url, events: ['*'] },
    });
    const afterSeq = await outboxPosition(cluster);
    const clients = [
      new RealtimeClient({ kind: 'sse', name: 'sse', baseUrl: cluster.url, tenant }),
      new RealtimeClient({ kind: 'ws', name: 'ws', baseUrl: cluster.url, tenant }),
    ];
    await Promise.all(clients.map((client) => client.start()));
    const load = new LoadGenerator({ baseUrl: cluster.url, tenant, users: 4, pauseMs: 20 });
    load.start();
    await sleep(DURATION_S * 1000);
    await load.stop();
    await settleEvents({
      cluster,
      workspaceId: tenant.workspaceId,
      afterSeq,
      consumers: [{ name: 'webhook', received: receiver.received }, ...clients],
      timeoutMs: 60_000,
    });
    clients.forEach((client) => client.stop());
    const statements = statementsOf(readFileSync(postgres.logFile, 'utf8').slice(from));
    writeFileSync(
      RELEASE_QUERIES,
      [
        '-- The SQL this release sends to PostgreSQL, one statement per line (npm run db:capture-queries).',
        '-- The next release must keep every one of them valid: see docs/resilience.md, "Schema changes".',
        ...statements,
        '',
      ].join('\n'),
    );
    progress(`${statements.length} distinct statements written to ${path.relative(ROOT, RELEASE_QUERIES)}`);
    console.log(`${load.requests} requests, ${statements.length} statements captured`);
    return 0;
  } finally {
    await cleanup.run();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, 'test/cluster/capture-queries.js')) {
  process.exit(await main());
}
