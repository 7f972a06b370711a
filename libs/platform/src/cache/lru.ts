/**
 * A bounded least-recently-used map of strings whose entries also expire. Bounded twice: by
 * entries and by total characters, because one cached page of tasks can be a thousand times
 * the size of one task and a count alone would not bound the memory. `Map` keeps insertion
 * order, so re-inserting on every hit makes its first key the least recently used one:
 * eviction is O(1) without a linked list of our own.
 */
export class ExpiringLru {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.chars -= entry.value.length;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: string): void {
    this.delete(key);
    // An entry bigger than the whole budget would only evict everything else, then itself.
    if (value.length > this.maxChars) return;
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    this.chars += value.length;
    while (this.entries.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.chars -= entry.value.length;
  }
}
