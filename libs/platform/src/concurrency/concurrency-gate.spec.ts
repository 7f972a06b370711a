import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DomainError } from '../errors/domain-error.js';
import { ConcurrencyGate } from './concurrency-gate.js';

/** A task the test finishes by hand. */
function deferred(): { promise: Promise<void>; finish: () => void } {
  let finish: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { promise, finish };
}

describe('ConcurrencyGate', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const gate = () => new ConcurrencyGate({ limit: 2, maxWaitMs: 2000, retryAfterSeconds: 1, what: 'hashing' });

  it('runs at most `limit` tasks at once; the next starts when one finishes', async () => {
    const g = gate();
    const tasks = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = tasks.map((task, i) =>
      g.run(async () => {
        started.push(i);
        await task.promise;
      }),
    );
    await Promise.resolve();

    expect(started).toEqual([0, 1]);
    expect(g.active).toBe(2);

    tasks[0]!.finish();
    await runs[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(g.active).toBe(2);

    tasks[1]!.finish();
    tasks[2]!.finish();
    await Promise.all(runs);
    expect(g.active).toBe(0);
  });

  it('refuses a task that waited maxWaitMs with 503 `unavailable` and a Retry-After, and never runs it', async () => {
    const g = gate();
    const blockers = [deferred(), deferred()];
    const running = blockers.map((b) => g.run(() => b.promise));
    let ran = false;
    const waiting = g.run(async () => {
      ran = true;
    });
    const outcome = waiting.then(
      () => undefined,
      (e: unknown) => e,
    );

    jest.advanceTimersByTime(2000);

    const error = await outcome;
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'unavailable', retryAfterSeconds: 1 });
    blockers.forEach((b) => b.finish());
    await Promise.all(running);
    expect(ran).toBe(false);
    expect(g.active).toBe(0);
  });

  it('a failing task gives its slot back', async () => {
    const g = gate();

    await expect(g.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect(g.active).toBe(0);
  });
});
