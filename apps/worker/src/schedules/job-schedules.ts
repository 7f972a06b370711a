import type { Queue } from 'bullmq';
import { ErrorCode } from 'bullmq';
import { DistributedLock, type RedisService } from '@groundwork/platform';

/** One BullMQ job scheduler: its id, cron pattern and the name of the job it enqueues. */
export interface JobSchedule {
  id: string;
  pattern: string;
  job: string;
}

/** How long one replica may hold a queue's schedule registration; a crashed holder blocks no longer. */
const REGISTRATION_LOCK_MS = 10_000;

/**
 * Makes one job scheduler exist with the given pattern and job. A scheduler that already
 * matches is left alone: upserting it again while one of its iterations runs on another
 * replica can enqueue that iteration a second time. Two replicas booting in the same instant
 * can both try to create the scheduler's next iteration; BullMQ then refuses the later one
 * (the iteration's job id or time slot is taken). The scheduler exists either way, so that
 * refusal is success, not a crash.
 */
export async function upsertSchedule(
  queue: Pick<Queue, 'upsertJobScheduler' | 'getJobScheduler'>,
  schedule: JobSchedule,
): Promise<void> {
  const current = await queue.getJobScheduler(schedule.id);
  if (current?.pattern === schedule.pattern && current.name === schedule.job) return;
  try {
    await queue.upsertJobScheduler(schedule.id, { pattern: schedule.pattern }, { name: schedule.job, data: {} });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const iterationTaken = code === ErrorCode.SchedulerJobIdCollision || code === ErrorCode.SchedulerJobSlotsBusy;
    if (!iterationTaken || !(await queue.getJobScheduler(schedule.id))) throw error;
  }
}

/**
 * Registers a queue's schedules at a worker's boot. Replicas register one at a time (a Redis
 * lock per queue), each seeing what the one before it wrote; this replica's processors start
 * only after boot, so none of its own iterations runs while it registers.
 */
export async function registerSchedules(queue: Queue, schedules: JobSchedule[], redis: RedisService): Promise<void> {
  await redis.whenReady();
  const registered = await new DistributedLock(redis.client).withLock(
    `schedules:${queue.name}`,
    REGISTRATION_LOCK_MS,
    async () => {
      for (const schedule of schedules) await upsertSchedule(queue, schedule);
      return true;
    },
    { waitMs: 2 * REGISTRATION_LOCK_MS },
  );
  if (!registered) throw new Error(`the ${queue.name} schedules were not registered: their lock stayed held`);
}
