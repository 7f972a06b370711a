import { describe, expect, it } from '@jest/globals';
import {
  defineQueues,
  DuplicateQueueError,
  isQueueName,
  type QueueName,
  queueNames,
  queuePolicy,
  UnknownQueueError,
  workerOptions,
} from './queue.catalogue.js';

const policy = { concurrency: 3, attempts: 7, lockDurationMs: 20_000, stalledIntervalMs: 5_000 };

// The registry is the process's: this spec's module registry starts empty, and its cases build on
// each other in order. Names are cast: the typed names are the contexts' (declaration merging).
describe('the queue registry', () => {
  const THING_QUEUES = defineQueues({ things: policy, 'thing-mails': { ...policy, concurrency: 1 } });

  it('knows a context’s queues once it defines them, in registration order', () => {
    expect(queueNames()).toEqual(['things', 'thing-mails']);
    expect(isQueueName('things')).toBe(true);
    expect(isQueueName('gadgets')).toBe(false);
    expect(queuePolicy('things' as QueueName)).toBe(THING_QUEUES.things);
  });

  it('gives a queue’s processor its concurrency and lock timings from the policy, created stopped', () => {
    expect(workerOptions('thing-mails' as QueueName)).toEqual({
      autorun: false,
      concurrency: 1,
      lockDuration: 20_000,
      stalledInterval: 5_000,
    });
  });

  it('accepts the same declarations again (a library loaded twice) but not a second owner of a name', () => {
    expect(() => defineQueues(THING_QUEUES)).not.toThrow();
    expect(() => defineQueues({ things: { ...policy } })).toThrow(DuplicateQueueError);
  });

  it('refuses the policy of a queue no loaded context declares', () => {
    expect(() => queuePolicy('gadgets' as QueueName)).toThrow(UnknownQueueError);
  });
});
