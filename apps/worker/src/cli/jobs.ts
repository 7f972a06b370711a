import 'reflect-metadata';
import { Queue } from 'bullmq';
import {
  isQueueName,
  loadAppConfigOrExit,
  type QueueName,
  queueNames,
  redisOptionsFromUrl,
} from '@groundwork/platform';
import '../contexts.js'; // every context's queues and configuration, validated like the worker's

/**
 * Dead-letter tooling: `npm run jobs -- failed <queue>` lists the jobs that exhausted their
 * attempts, with their last error; `npm run jobs -- retry <queue> [jobId]` retries them.
 */
const USAGE = `usage: npm run jobs -- failed <queue> | retry <queue> [jobId]
queues: ${queueNames().join(', ')}`;

const [command, queueName, jobId] = process.argv.slice(2);
if ((command !== 'failed' && command !== 'retry') || !isQueueName(queueName ?? '')) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

const config = loadAppConfigOrExit('cli');
const queue = new Queue(queueName as QueueName, {
  connection: redisOptionsFromUrl(config.redis.url),
  prefix: `${config.redis.keyPrefix}:bull`,
});

try {
  const failed = jobId ? [await queue.getJob(jobId)].filter((j) => j !== undefined) : await queue.getFailed(0, 999);
  if (command === 'failed') {
    for (const job of failed) {
      process.stdout.write(
        `${JSON.stringify({
          id: job.id,
          name: job.name,
          attemptsMade: job.attemptsMade,
          failedReason: job.failedReason,
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        })}\n`,
      );
    }
    process.stderr.write(`${failed.length} failed job(s) in ${queueName}\n`);
  } else {
    let retried = 0;
    for (const job of failed) {
      if ((await job.getState()) !== 'failed') continue;
      await job.retry('failed');
      retried += 1;
    }
    process.stderr.write(`retried ${retried} job(s) in ${queueName}\n`);
  }
} finally {
  await queue.close();
}
