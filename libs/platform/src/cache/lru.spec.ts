import { describe, expect, it } from '@jest/globals';
import { ExpiringLru } from './lru.js';

describe('ExpiringLru', () => {
  it('evicts the least recently used entry beyond the entry bound', () => {
    const lru = new ExpiringLru(2, 1000, 1000);
    lru.set('a', '1');
    lru.set('b', '2');
    expect(lru.get('a')).toBe('1');
    lru.set('c', '3');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('1');
    expect(lru.get('c')).toBe('3');
  });

  it('evicts by total size too, and refuses an entry bigger than the whole budget', () => {
    const lru = new ExpiringLru(100, 10, 1000);
    lru.set('a', '12345');
    lru.set('b', '12345');
    lru.set('c', '1');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBe('12345');
    lru.set('huge', '12345678901');
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('c')).toBe('1');
  });

  it('expires entries after the TTL, and a replaced entry counts once', () => {
    let now = 0;
    const lru = new ExpiringLru(100, 10, 50, () => now);
    lru.set('a', '12345');
    lru.set('a', '12345');
    lru.set('b', '12345');
    expect(lru.get('a')).toBe('12345');
    now = 50;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(1);
  });
});
