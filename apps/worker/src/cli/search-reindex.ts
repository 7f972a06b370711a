import 'reflect-metadata';
import { Redis } from 'ioredis';
import { DistributedLock, loadAppConfigOrExit, PrismaService, RedisService } from '@groundwork/platform';
import { SearchReindexer } from '@groundwork/search';
import '../contexts.js'; // every context's queues and configuration, validated like the worker's

/**
 * `npm run search:reindex`: rebuilds the search index from the database (PostgreSQL: the
 * vectors, with the stemming of SEARCH_LANGUAGE), printing progress. Search keeps answering
 * while it runs. One run at a time across all replicas: a second one exits 1.
 */
const config = loadAppConfigOrExit('cli');
const prisma = new PrismaService(config);
const redis = new Redis(config.redis.url, {
  ...RedisService.baseOptions(),
  keyPrefix: `${config.redis.keyPrefix}:`,
  maxRetriesPerRequest: 1,
  connectionName: 'groundwork-search-reindex',
});
const started = Date.now();
let lastLine = 0;
try {
  const outcome = await new SearchReindexer(prisma, new DistributedLock(redis)).run(
    config.search.language,
    ({ table, done, total }) => {
      // One line per table start/end and at most one a second between.
      if (done !== 0 && done < total && Date.now() - lastLine < 1000) return;
      lastLine = Date.now();
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      process.stdout.write(`search:reindex ${table}: ${done}/${total} (${percent} %)\n`);
    },
  );
  switch (outcome.kind) {
    case 'done':
      process.stdout.write(
        `search:reindex done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${outcome.tasks} tasks, ` +
          `${outcome.comments} comments, language ${outcome.language}\n`,
      );
      break;
    case 'already-running':
      process.stderr.write('search:reindex: another reindex is running (lock held); nothing done\n');
      process.exitCode = 1;
      break;
  }
} catch (error) {
  process.stderr.write(`search:reindex failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await prisma.$disconnect();
  redis.disconnect();
}
