import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const LOCK_POLL_MS = 50;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A held lock: only its owner token can extend or release it. */
export class LockHandle {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly token: string,
  ) {}

  /** Pushes the expiry out for long work; false when the lock was lost (expired, taken over). */
  async extend(ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(EXTEND, 1, this.key, this.token, String(ttlMs))) === 1;
  }

  /** Releases only if still the owner: never deletes a lock another process acquired since. */
  async release(): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key, this.token)) === 1;
  }
}

/**
 * A single-instance Redis lock (SET NX PX with a random owner token) for work that must
 * never overlap. The TTL bounds how long a crashed owner blocks others; long work extends it.
 */
export class DistributedLock {
  constructor(private readonly redis: Redis) {}

  async acquire(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    const key = `lock:${name}`;
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new LockHandle(this.redis, key, token) : undefined;
  }

  /**
   * Runs `work` under the lock, or returns undefined without running it when the lock is held
   * (after waiting up to `waitMs` for it to come free, polling; by default not at all).
   */
  async withLock<T>(
    name: string,
    ttlMs: number,
    work: (lock: LockHandle) => Promise<T>,
    { waitMs = 0 }: { waitMs?: number } = {},
  ): Promise<T | undefined> {
    const deadline = Date.now() + waitMs;
    let lock = await this.acquire(name, ttlMs);
    while (!lock && Date.now() < deadline) {
      await delay(LOCK_POLL_MS);
      lock = await this.acquire(name, ttlMs);
    }
    if (!lock) return undefined;
    try {
      return await work(lock);
    } finally {
      await lock.release();
    }
  }
}
