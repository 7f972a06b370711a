// @ts-check
/**
 * `npm run cluster`: two api and two worker processes (production mode) behind HAProxy on
 * CLUSTER_PORT (default 8080), on the cluster's own PostgreSQL and Redis, until Ctrl-C.
 * `npm run rolling-restart`, `chaos` and `load` drive this cluster when it runs.
 */
import { Cleanup, clusterPort, progress, startCluster } from './lib.js';

const cleanup = new Cleanup();
cleanup.handleSignals();
try {
  const { cluster, smtp } = await startCluster({ port: clusterPort(), cleanup });
  const rows = cluster.state.instances.map(
    (i) => `  ${i.name.padEnd(8)} pid ${i.pid}  port ${i.port}  log ${i.logFile}`,
  );
  console.log(
    [
      `cluster on ${cluster.url} (HAProxy pid ${cluster.state.haproxy.pid}, runtime API ${cluster.state.haproxy.socket})`,
      ...rows,
      `  PostgreSQL ${cluster.databaseUrl}`,
      `  Redis      redis://127.0.0.1:${cluster.state.redis.port}`,
      `  SMTP sink  127.0.0.1:${smtp.port}`,
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  await new Promise(() => undefined);
} catch (error) {
  progress(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await cleanup.run();
  process.exit(1);
}
