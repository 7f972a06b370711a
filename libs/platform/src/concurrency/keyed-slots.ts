/**
 * At most `limit` holders per key at once, in this process. `tryAcquire` never waits: a caller
 * that finds its key full does something else (a job is put back in its queue for later), so
 * one key's long holders never hold up another key.
 */
export class KeyedSlots {
  private readonly held = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** A release function (calling it twice releases once), or `undefined` when the key is full. */
  tryAcquire(key: string): (() => void) | undefined {
    const holding = this.held.get(key) ?? 0;
    if (holding >= this.limit) return undefined;
    this.held.set(key, holding + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left === 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  /** Holders of `key` right now. */
  holding(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
