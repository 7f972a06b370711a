// @ts-check
/**
 * `npm run bench:boot-phases -- api|worker`: where an app's memory and start-up time go. Boots
 * the built app in this process one part at a time — Nest and Express, pino, Swagger, ioredis,
 * BullMQ, pg and Prisma's runtime, the rest of @groundwork/platform (the generated Prisma
 * client…), the context libraries, Prisma's first queries (the WebAssembly query compiler),
 * the app's module graph, Swagger UI, listen — and after each part prints the time it
 * took and the process's RSS (anonymous and file-backed), V8 heap and external memory. Modules
 * are loaded in dependency order, so each row is what that part adds on top of the rows above
 * it. Run with `node --expose-gc` (the npm script does) to collect garbage before each reading.
 *
 * Loading order differs from the app's own (which interleaves them), so the rows attribute the
 * costs; the total after the last row matches an idle app only roughly. The parts are the
 * compiled modules, unbundled: the start scripts run each app's bundle (scripts/bundle.js),
 * which loads in less time than the sum of these rows. Production mode, own
 * database and Redis key prefix, removed at the end. Needs `npm run build`.
 * The npm script runs with the start scripts' V8 flag; other flags: `node --expose-gc [flags] test/bench/boot-phases.js api`.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import {
  assertBuilt,
  Cleanup,
  createBenchDatabase,
  deleteRedisKeys,
  formatTable,
  freePort,
  generateSecrets,
  productionEnv,
  progress,
  randomRedisPrefix,
  ROOT,
  round,
} from './lib.js';

const argument = process.argv[2];
if (argument !== 'api' && argument !== 'worker') throw new Error('usage: boot-phases.js api|worker');
/** @type {'api' | 'worker'} */
const kind = argument;

const cleanup = new Cleanup();
cleanup.handleSignals();

/** @type {(string | number)[][]} */
const rows = [];
let last = performance.now();
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);

/** Records what the step since the previous mark cost. @param {string} label */
function mark(label) {
  gc?.();
  const now = performance.now();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (/** @type {string} */ key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const memory = process.memoryUsage();
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  const mib = (/** @type {number} */ bytes) => round(bytes / 1048576, 1);
  rows.push([
    label,
    round(now - last),
    round(kib('VmRSS') / 1024, 1),
    round(kib('RssAnon') / 1024, 1),
    round(kib('RssFile') / 1024, 1),
    mib(memory.heapUsed),
    mib(newSpace),
    mib(memory.external),
  ]);
  last = performance.now();
}

async function main() {
  assertBuilt([`dist/${kind}/main.js`]);
  mark('node started');
  const redisKeyPrefix = randomRedisPrefix();
  cleanup.add(`delete Redis keys ${redisKeyPrefix}:*`, () => deleteRedisKeys(redisKeyPrefix));
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(cleanup);
  const port = await freePort();
  Object.assign(
    process.env,
    productionEnv({
      databaseUrl: database.url,
      redisKeyPrefix,
      port,
      workerPort: kind === 'worker' ? port : await freePort(),
      secrets: generateSecrets(),
      logLevel: 'warn',
    }),
  );
  last = performance.now();
  mark('(bench set-up: database created)');

  await import('reflect-metadata');
  await import('@nestjs/common');
  await import('@nestjs/core');
  await import('@nestjs/platform-express');
  mark('Nest core, Express');
  await import('pino');
  await import('nestjs-pino');
  mark('pino, nestjs-pino');
  if (kind === 'api') {
    await import('@nestjs/swagger');
    mark('@nestjs/swagger');
  }
  await import('ioredis');
  mark('ioredis');
  if (kind === 'worker') {
    await import('bullmq');
    await import('@nestjs/bullmq');
    mark('bullmq, @nestjs/bullmq');
  }
  await import('pg');
  await import('@prisma/adapter-pg');
  await import('@prisma/client/runtime/client');
  mark('pg, Prisma runtime');
  const platform = await import('@groundwork/platform');
  mark('@groundwork/platform (generated client, …)');
  // The app's own list of contexts: each registers its events, queues and configuration slice.
  await import(`${ROOT}dist/${kind}/contexts.js`);
  mark('context libraries');

  const config = platform.loadAppConfig(kind);
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const prisma = new platform.PrismaClient({
    adapter: new PrismaPg({ connectionString: config.database.url, max: 1 }),
  });
  await prisma.$connect();
  mark('Prisma $connect (query compiler loaded)');
  await prisma.user.findFirst();
  await prisma.task.findMany({ take: 1, where: { deletedAt: null }, orderBy: { createdAt: 'desc' } });
  mark('Prisma: first model queries');
  await prisma.$disconnect();

  /** @type {{ close(): Promise<void> }} */
  let app;
  if (kind === 'api') {
    const { NestFactory } = await import('@nestjs/core');
    const { SwaggerModule } = await import('@nestjs/swagger');
    const { createApiApp } = await import(`${ROOT}dist/api/bootstrap.js`);
    mark('api code');
    const create = NestFactory.create.bind(NestFactory);
    // Marks inside createApiApp: after Nest's module graph is built and initialised, and
    // around Swagger's UI set-up (the committed OpenAPI document is read just before it).
    NestFactory.create = /** @type {typeof NestFactory.create} */ (
      async (/** @type {Parameters<typeof NestFactory.create>} */ ...args) => {
        const created = await create(...args);
        mark('module graph: instances, DB + Redis connected');
        return created;
      }
    );
    const setup = SwaggerModule.setup.bind(SwaggerModule);
    SwaggerModule.setup = (...args) => {
      mark('middleware, routes, committed OpenAPI document read');
      setup(...args);
      mark('Swagger UI');
    };
    const api = await createApiApp(config);
    await api.listen(port);
    mark('listening');
    app = api;
  } else {
    const { NestFactory } = await import('@nestjs/core');
    const { WorkerModule } = await import(`${ROOT}dist/worker/worker.module.js`);
    mark('worker code');
    const worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    mark('module graph, init: DB + Redis, relay, schedules, probes');
    const { QueueWorkers } = await import('@groundwork/platform/queue');
    worker.get(QueueWorkers).start();
    mark('BullMQ workers started');
    app = worker;
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  mark('2 s idle');
  await app.close();

  console.log(
    `\n${kind} on Node ${process.version}, flags: ${process.execArgv.join(' ') || '(none)'}; ` +
      `each row: that step's ms and the readings after it${gc ? ' (after a full GC)' : ''}\n`,
  );
  console.log(
    formatTable([
      ['step', 'ms', 'RSS MiB', 'anon MiB', 'file MiB', 'heap used MiB', 'new space MiB', 'external MiB'],
      ...rows,
    ]),
  );
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(`\nboot-phases failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup.run();
}
process.exit(exitCode);
