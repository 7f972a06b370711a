/**
 * What the platform's catalogues (events, queues, configuration slices) have in common: entries
 * registered by name as the contexts' libraries load, kept in registration order. Registering
 * the same entry again is harmless (a library loaded twice); a second entry under a taken name
 * is a wiring bug, reported with the catalogue's own error when it loads.
 */
export class NameRegistry<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly duplicate: (name: string) => Error) {}

  add(name: string, entry: T): void {
    const known = this.entries.get(name);
    if (known !== undefined && known !== entry) throw this.duplicate(name);
    this.entries.set(name, entry);
  }

  /** Every entry of an object of them (name → entry), in declaration order. */
  addAll(entries: Record<string, T>): void {
    for (const [name, entry] of Object.entries(entries)) this.add(name, entry);
  }

  get(name: string): T | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  values(): T[] {
    return [...this.entries.values()];
  }

  all(): [string, T][] {
    return [...this.entries];
  }
}
