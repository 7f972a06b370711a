import { describe, expect, it } from '@jest/globals';
import { MemoryCounterStore } from './memory-counter-store.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('MemoryCounterStore', () => {
  it('admits exactly `limit` hits per window and reports the time left until the window resets', () => {
    const clock = manualClock();
    const store = new MemoryCounterStore({ now: clock.now });

    const results = [1, 2, 3, 4].map(() => store.increment('k', 60_000, 3));
    clock.advance(15_000);
    const later = store.increment('k', 60_000, 3);

    expect(results.map((r) => [r.count, r.added])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [3, false],
    ]);
    expect(results[0]?.resetMs).toBe(60_000);
    expect(later).toEqual({ count: 3, resetMs: 45_000, added: false });
  });

  it('opens a fresh window once the old one has run out, anchored at the new first hit', () => {
    const clock = manualClock();
    const store = new MemoryCounterStore({ now: clock.now });
    store.increment('k', 1000, 1);

    clock.advance(999);
    expect(store.increment('k', 1000, 1).added).toBe(false);
    clock.advance(1);
    const reopened = store.increment('k', 1000, 1);

    expect(reopened).toEqual({ count: 1, resetMs: 1000, added: true });
  });

  it('only reads the window with limit 0, and opens none for an unknown key', () => {
    const clock = manualClock();
    const store = new MemoryCounterStore({ now: clock.now });
    store.increment('seen', 5000, 10);
    clock.advance(2000);

    expect(store.increment('seen', 5000, 0)).toEqual({ count: 1, resetMs: 3000, added: false });
    expect(store.increment('unseen', 5000, 0)).toEqual({ count: 0, resetMs: 0, added: false });
    expect(store.size).toBe(1);
  });

  it('counts keys independently and forgets a deleted key', () => {
    const store = new MemoryCounterStore();
    store.increment('a', 5000, 10);
    store.increment('a', 5000, 10);
    store.increment('b', 5000, 10);

    store.delete('a');

    expect(store.increment('a', 5000, 10).count).toBe(1);
    expect(store.increment('b', 5000, 10).count).toBe(2);
  });

  it('sweeps expired windows of keys never seen again, so idle clients do not accumulate', () => {
    const clock = manualClock();
    const store = new MemoryCounterStore({ now: clock.now, sweepIntervalMs: 1000 });
    for (let i = 0; i < 50; i += 1) store.increment(`ip:${i}`, 500, 10);
    expect(store.size).toBe(50);

    clock.advance(1000);
    store.increment('ip:new', 500, 10);

    expect(store.size).toBe(1);
  });

  it('never holds more than maxEntries windows: expired ones go first, then the oldest opened', () => {
    const clock = manualClock();
    const store = new MemoryCounterStore({ now: clock.now, maxEntries: 3, sweepIntervalMs: 3_600_000 });
    store.increment('short', 100, 10);
    store.increment('old', 60_000, 10);
    store.increment('mid', 60_000, 10);
    clock.advance(100);

    store.increment('new1', 60_000, 10);
    expect(store.size).toBe(3);
    expect(store.increment('old', 60_000, 0).count).toBe(1);

    store.increment('new2', 60_000, 10);
    expect(store.size).toBe(3);
    expect(store.increment('old', 60_000, 0).count).toBe(0);
    expect(store.increment('mid', 60_000, 0).count).toBe(1);

    for (let i = 0; i < 1000; i += 1) store.increment(`flood:${i}`, 60_000, 10);
    expect(store.size).toBe(3);
  });
});
