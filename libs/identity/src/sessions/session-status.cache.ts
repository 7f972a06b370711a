/** What an instance remembers of a session: whose it is, if it is still active. */
export type SessionStatus = { active: true; userId: string } | { active: false };

/**
 * A short-lived, bounded memory of which sessions are active. Revocation must reach every api
 * instance within 5 s; remembering an answer for at most `ttlMs` keeps that promise
 * while sparing the database a lookup on every request of a busy session.
 */
export class SessionStatusCache {
  private readonly entries = new Map<string, { status: SessionStatus; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(sessionId: string, now = Date.now()): SessionStatus | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.status;
  }

  set(sessionId: string, status: SessionStatus, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(sessionId, { status, until: now + this.ttlMs });
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }
}
