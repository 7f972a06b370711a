import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import type { AppProcess } from '../support/app-process.js';
import { type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const TICK_MS = 2000;
const SCHEDULER_JOB = /^repeat:outbox-purge:(\d+)$/;

/** The job ids of the JSON log lines with this message, one entry per line. */
function loggedJobIds(logs: string, message: string): string[] {
  return logs.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    const entry = JSON.parse(line) as { msg?: string; job?: { id?: string } };
    return entry.msg === message ? [entry.job?.id ?? '(no job id)'] : [];
  });
}

/** After the exit, waits until everything the process printed has been read. */
async function outputRead(app: AppProcess): Promise<void> {
  await Promise.all(
    [app.child.stdout, app.child.stderr].map((stream) =>
      stream && !stream.closed ? once(stream, 'close') : undefined,
    ),
  );
}

/**
 * BullMQ job schedulers across replicas: every worker upserts the same schedule at boot, and
 * the schedule still fires once per tick. Its own database, so its purges touch no other
 * file's rows.
 */
describe('scheduled jobs with two worker processes', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ label: 'sched' });
  });

  afterEach(async () => {
    await stack.stopApps();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('fires the outbox purge once per 2 s tick: one completed job per tick and one log line per job', async () => {
    const events = await stack.queueEvents('maintenance');
    const completed = new Set<string>();
    events.on('completed', ({ jobId }) => {
      if (SCHEDULER_JOB.test(jobId)) completed.add(jobId);
    });

    const env = { CRON_OUTBOX_PURGE: '*/2 * * * * *', LOG_LEVEL: 'info' };
    const [first, second] = await Promise.all([stack.start('worker', { env }), stack.start('worker', { env })]);
    const liveAt = Date.now();

    // ~8 s: four ticks completed.
    await eventually(async () => completed.size >= 4, 8 * TICK_MS);
    await Promise.all([first.stop('SIGTERM'), second.stop('SIGTERM')]);
    const stoppedAt = Date.now();
    await Promise.all([outputRead(first), outputRead(second)]);

    const queue = stack.queue('maintenance');
    const jobs: Job[] = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j.name === 'outbox.purge');
    const ticks = jobs.map((j) => Number(SCHEDULER_JOB.exec(j.id ?? '')?.[1])).sort((a, b) => a - b);

    // One job per tick: scheduled times distinct, on the 2 s grid, none skipped between them.
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.filter((t) => !Number.isInteger(t) || t % TICK_MS !== 0)).toEqual([]);
    expect(ticks.slice(1).map((t, i) => t - ticks[i]!)).toEqual(ticks.slice(1).map(() => TICK_MS));
    const ticksElapsed = Math.floor(stoppedAt / TICK_MS) - Math.floor(liveAt / TICK_MS);
    expect(Math.abs(jobs.length - ticksElapsed)).toBeLessThanOrEqual(1);
    expect((await queue.getJobs(['failed'])).map((j) => `${j.id}: ${j.failedReason}`)).toEqual([]);

    // Each job ran on exactly one of the two workers: one log line per job, no more. Jobs that
    // started before both workers were ready are left out: until a worker's logger is attached
    // (after Nest's init, which already starts the processors) its lines are buffered and
    // written later, outside the job's context, so they carry no job id.
    const logged = [
      ...loggedJobIds(first.logs, 'purged relayed outbox events'),
      ...loggedJobIds(second.logs, 'purged relayed outbox events'),
    ].filter((id) => id !== '(no job id)');
    const afterBoot = jobs.filter((j) => (j.processedOn ?? 0) >= liveAt).map((j) => j.id);
    expect(afterBoot.length).toBeGreaterThanOrEqual(3);
    expect(logged.filter((id) => afterBoot.includes(id)).sort()).toEqual(afterBoot.sort());
    expect(logged.length).toBeLessThanOrEqual(jobs.length);
  }, 60_000);
});
