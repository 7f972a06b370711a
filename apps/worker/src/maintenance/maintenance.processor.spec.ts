import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from 'bullmq';
import { upsertSchedule } from './maintenance.processor.js';

/** BullMQ's own refusal: an `Error` carrying the script's negative code. */
function refusal(code: ErrorCode): Error {
  return Object.assign(new Error(`Cannot create job scheduler iteration (${code})`), { code });
}

/** A queue whose upsert fails as given and whose scheduler list is what `exists` says. */
function queueRefusing(error: Error | undefined, exists: boolean) {
  const calls: string[] = [];
  return {
    calls,
    upsertJobScheduler: async (id: string) => {
      calls.push(`upsert ${id}`);
      if (error) throw error;
      return undefined as never;
    },
    getJobScheduler: async (id: string) => {
      calls.push(`get ${id}`);
      return (exists ? { key: id } : undefined) as never;
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
      expect(queue.calls).toEqual(['upsert outbox-purge', 'get outbox-purge']);
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
    expect(queue.calls).toEqual(['upsert outbox-purge']);
  });
});
