import type { WindowCount } from './counter-store.js';

interface Window {
  count: number;
  expiresAt: number;
}

export interface MemoryCounterStoreOptions {
  /** Hard cap on open windows; beyond it the oldest opened window is forgotten. */
  maxEntries?: number;
  /** How often (at most) a hit also sweeps every expired window out. */
  sweepIntervalMs?: number;
  now?: () => number;
}

/**
 * The per-instance fallback for when Redis is unavailable: the same fixed-window semantics as
 * the Redis script, in a Map. Keys come from clients (IPs, account hashes), so the Map is
 * bounded: expired windows are swept out lazily (no timer to stop at shutdown), and at the cap
 * the oldest opened window is dropped. Forgetting one client's count under a flood of
 * distinct keys is the lesser evil next to an instance running out of memory.
 */
export class MemoryCounterStore {
  private readonly windows = new Map<string, Window>();
  private readonly maxEntries: number;
  private readonly sweepIntervalMs: number;
  private readonly now: () => number;
  private nextSweepAt: number;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.nextSweepAt = this.now() + this.sweepIntervalMs;
  }

  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one hit unless the window already holds `limit`; opens a `windowMs` window when none
   * is open. `limit` 0 only reads the window.
   */
  increment(key: string, windowMs: number, limit: number): WindowCount {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    let window = this.open(key, now);
    if (window && window.count >= limit) return { count: window.count, resetMs: window.expiresAt - now, added: false };
    if (limit <= 0) return { count: 0, resetMs: 0, added: false };
    if (!window) {
      this.makeRoom(now);
      window = { count: 0, expiresAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.expiresAt - now, added: true };
  }

  /** Takes one hit back; never below 0, the window's end unchanged. */
  decrement(key: string): void {
    const window = this.open(key, this.now());
    if (window && window.count > 0) window.count -= 1;
  }

  delete(key: string): void {
    this.windows.delete(key);
  }

  clear(): void {
    this.windows.clear();
  }

  /** The key's window if it is still open; an expired one is removed on the way. */
  private open(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.expiresAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.windows.delete(key);
    this.nextSweepAt = now + this.sweepIntervalMs;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxEntries) return;
    this.sweep(now);
    // A Map iterates in insertion order, and a reopened window is re-inserted: the first key is the oldest.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxEntries) break;
      this.windows.delete(key);
    }
  }
}
