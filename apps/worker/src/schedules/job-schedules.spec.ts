import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from 'bullmq';
import { upsertSchedule } from './job-schedules.js';

/** BullMQ's own refusal: an `Error` carrying the script's negative code. */
function refusal(code: ErrorCode): Error {
  return Object.assign(new Error(`Cannot create job scheduler iteration (${code})`), { code });
}

type Scheduler = { key: string; name: string; pattern: string };

/**
 * A queue holding `before` as the scheduler until an upsert runs; the upsert fails as given, and
 * afterwards the scheduler exists or not as `existsAfter` says (another replica created it).
 */
function queueRefusing(error: Error | undefined, existsAfter: boolean, before?: Scheduler) {
  const calls: string[] = [];
  let upserted = false;
  return {
    calls,
    upsertJobScheduler: async (id: string) => {
      calls.push(`upsert ${id}`);
      upserted = true;
      if (error) throw error;
      return undefined as never;
    },
    getJobScheduler: async (id: string) => {
      calls.push(`get ${id}`);
      if (!upserted) return before as never;
      return (existsAfter ? { key: id } : undefined) as never;
    },
  };
}

const schedule = { id: 'outbox-purge', pattern: '*/2 * * * * *', job: 'outbox.purge' };

describe('upsertSchedule (every worker replica registers the schedules at boot)', () => {
  it.each([ErrorCode.SchedulerJobIdCollision, ErrorCode.SchedulerJobSlotsBusy])(
    'treats a refused iteration (code %d) as success when another replica created the scheduler',
    async (code) => {
      const queue = queueRefusing(refusal(code), true);
      await expect(upsertSchedule(queue, schedule)).resolves.toBeUndefined();
      expect(queue.calls).toEqual(['get outbox-purge', 'upsert outbox-purge', 'get outbox-purge']);
    },
  );

  it('rethrows a refused iteration when no scheduler exists after all', async () => {
    const error = refusal(ErrorCode.SchedulerJobIdCollision);
    await expect(upsertSchedule(queueRefusing(error, false), schedule)).rejects.toBe(error);
  });

  it('rethrows any other failure (Redis down, a bad pattern) without looking further', async () => {
    const error = new Error('Connection is closed.');
    const queue = queueRefusing(error, true);
    await expect(upsertSchedule(queue, schedule)).rejects.toBe(error);
    expect(queue.calls).toEqual(['get outbox-purge', 'upsert outbox-purge']);
  });
  it('leaves a scheduler that already has the pattern and job alone (no upsert racing its running iteration)', async () => {
    const queue = queueRefusing(undefined, true, {
      key: 'outbox-purge',
      name: 'outbox.purge',
      pattern: schedule.pattern,
    });
    await upsertSchedule(queue, schedule);
    expect(queue.calls).toEqual(['get outbox-purge']);
  });

  it('upserts a scheduler whose pattern changed', async () => {
    const queue = queueRefusing(undefined, true, { key: 'outbox-purge', name: 'outbox.purge', pattern: '0 * * * * *' });
    await upsertSchedule(queue, schedule);
    expect(queue.calls).toEqual(['get outbox-purge', 'upsert outbox-purge']);
  });
});
