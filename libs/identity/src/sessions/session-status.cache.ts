/**
 * A short-lived, bounded memory of which sessions are active. Revocation must reach every api
 * instance within 5 s (API.md); remembering an answer for at most `ttlMs` keeps that promise
 * while sparing the database a lookup on every request of a busy session.
 */
export class SessionStatusCache {
  private readonly entries = new Map<string, { active: boolean; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(sessionId: string, now = Date.now()): boolean | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.active;
  }

  set(sessionId: string, active: boolean, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(sessionId, { active, until: now + this.ttlMs });
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }
}
