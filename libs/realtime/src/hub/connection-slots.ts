import type { Redis } from 'ioredis';
import type { RealtimeKeys } from '../realtime-keys.js';

/**
 * Takes a slot if the principal holds fewer than ARGV[3] unexpired ones. A slot is a member of
 * the principal's sorted set scored by when its lease ends: slots of a crashed instance are not
 * renewed and drop out on their own, and the set itself expires with its last lease.
 */
const ACQUIRE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * The deployment-wide count of open real-time connections per principal (user or API key),
 * in Redis, so the cap holds however many api instances a principal's connections land on.
 * Leases are renewed by the instance holding them; an instance that dies stops renewing and
 * its slots free themselves after one lease.
 */
export class ConnectionSlots {
  /** slot id → the principal's key, for renewal. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly redis: () => Redis | undefined,
    private readonly keys: RealtimeKeys,
    private readonly max: number,
    private readonly leaseMs: number,
  ) {}

  /**
   * Takes a slot: its id, or undefined when the principal is at the cap. With Redis
   * unreachable the connection is let in: the cap protects capacity, and refusing everyone
   * while Redis is down would be the worse outage.
   */
  async acquire(principalKey: string, slotId: string): Promise<'acquired' | 'full'> {
    const redis = this.redis();
    const key = this.keys.connections(principalKey);
    const now = Date.now();
    try {
      if (redis) {
        const taken = await redis.eval(ACQUIRE_SCRIPT, 1, key, now, now + this.leaseMs, this.max, slotId, this.leaseMs);
        if (taken === 0) return 'full';
      }
    } catch {
      // Unreachable Redis: admitted (see above); renewal records the slot once Redis is back.
    }
    this.held.set(slotId, key);
    return 'acquired';
  }

  release(slotId: string): void {
    const key = this.held.get(slotId);
    if (key === undefined) return;
    this.held.delete(slotId);
    this.redis()
      ?.zrem(key, slotId)
      .catch(() => undefined);
  }

  /** Extends the leases of every slot this instance holds (one pipeline). */
  async renew(): Promise<void> {
    const redis = this.redis();
    if (!redis || this.held.size === 0) return;
    const byKey = new Map<string, string[]>();
    for (const [slotId, key] of this.held) byKey.set(key, [...(byKey.get(key) ?? []), slotId]);
    const until = Date.now() + this.leaseMs;
    const batch = redis.pipeline();
    for (const [key, slotIds] of byKey) {
      batch.zadd(key, ...slotIds.flatMap((slotId) => [until, slotId]));
      batch.pexpire(key, this.leaseMs);
    }
    await batch.exec().catch(() => undefined);
  }
}
