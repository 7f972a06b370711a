import { describe, expect, it } from '@jest/globals';
import { KeyedSlots } from './keyed-slots.js';

describe('KeyedSlots', () => {
  it('gives each key at most `limit` slots, independently of the other keys', () => {
    const slots = new KeyedSlots(2);

    const [a1, a2, a3] = [slots.tryAcquire('a'), slots.tryAcquire('a'), slots.tryAcquire('a')];

    expect(a1).toBeDefined();
    expect(a2).toBeDefined();
    expect(a3).toBeUndefined();
    expect(slots.tryAcquire('b')).toBeDefined();
  });

  it('frees a slot on release, once however often the release is called', () => {
    const slots = new KeyedSlots(1);
    const release = slots.tryAcquire('a')!;

    release();
    release();

    expect(slots.holding('a')).toBe(0);
    const again = slots.tryAcquire('a');
    expect(again).toBeDefined();
    expect(slots.tryAcquire('a')).toBeUndefined();
  });
});
