import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';
import type { WindowCount } from './counter-store.js';
import { MemoryCounterStore } from './memory-counter-store.js';
import { RedisCounterStore } from './redis-counter-store.js';

/** Where a decision was counted. */
export type CounterSource = 'redis' | 'memory';

export interface CountedWindow extends WindowCount {
  source: CounterSource;
}

/**
 * A Redis command the limiter waits for before it decides from memory instead: a Redis that
 * accepts connections but stalls must not stall every request.
 */
const REDIS_DECISION_TIMEOUT_MS = 500;

/**
 * The counter store of every rate limit: Redis, shared by all api instances; while Redis is
 * unavailable, per-instance memory with the same semantics (docs/architecture.md, health: the api
 * degrades instead of failing or letting everything through). Each switch is logged once and
 * every decision is counted in /metrics by store (`groundwork_rate_limit_decisions_total`), so operators see that limits are,
 * for now, per instance (effectively quota × instances).
 */
@Injectable()
export class RateLimitCounters {
  private readonly logger = new Logger('RateLimit');
  private readonly redisStore: RedisCounterStore;
  private readonly memory = new MemoryCounterStore();
  private onFallback = false;

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {
    this.redisStore = new RedisCounterStore(redis.client);
  }

  /** Counts one hit on `key` unless its window already holds `limit` (0: only reads the window). */
  async increment(policy: string, key: string, windowMs: number, limit: number): Promise<CountedWindow> {
    // Commands fail fast while disconnected (no offline queue); checking first skips even that.
    const counted = await this.count(key, windowMs, limit);
    // A read (limit 0, the sign-in limiter's check) decides nothing itself: `checked`.
    const decision = limit === 0 ? 'checked' : counted.added ? 'allowed' : 'limited';
    this.metrics.rateLimitDecisions.inc({ policy, decision, store: counted.source });
    return counted;
  }

  private async count(key: string, windowMs: number, limit: number): Promise<CountedWindow> {
    if (this.redis.client.status === 'ready') {
      try {
        const counted = await this.withTimeout(this.redisStore.increment(key, windowMs, limit));
        this.leaveFallback();
        return { ...counted, source: 'redis' };
      } catch (error) {
        this.enterFallback({ err: error });
      }
    } else {
      this.enterFallback({ redisStatus: this.redis.client.status });
    }
    return { ...this.memory.increment(key, windowMs, limit), source: 'memory' };
  }

  /** Takes one hit back from `key` wherever it was counted; best effort, like `delete`. */
  async decrement(key: string): Promise<void> {
    this.memory.decrement(key);
    if (this.redis.client.status !== 'ready') return;
    try {
      await this.withTimeout(this.redisStore.decrement(key));
    } catch (error) {
      this.enterFallback({ err: error });
    }
  }

  /**
   * Forgets `key` everywhere it may be counted. While Redis is down its counter there stays
   * until it expires: the reset is best effort, never a reason to fail the caller.
   */
  async delete(key: string): Promise<void> {
    this.memory.delete(key);
    if (this.redis.client.status !== 'ready') return;
    try {
      await this.withTimeout(this.redisStore.delete(key));
    } catch (error) {
      this.enterFallback({ err: error });
    }
  }

  /** `why`: the failed command's error, or the connection state when no command was tried (e.g. still connecting at boot). */
  private enterFallback(why: { err: unknown } | { redisStatus: string }): void {
    if (this.onFallback) return;
    this.onFallback = true;
    this.logger.warn(why, 'rate limits fall back to per-instance memory counters: Redis unavailable');
  }

  private leaveFallback(): void {
    if (!this.onFallback) return;
    this.onFallback = false;
    // Counts taken during the outage are per instance and would be stale at the next one.
    this.memory.clear();
    this.logger.log('rate limits counted in Redis again');
  }

  /** One promise and one timer per decision (it runs on every request), not a race of three promises. */
  private withTimeout<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis did not answer within ${REDIS_DECISION_TIMEOUT_MS} ms`)),
        REDIS_DECISION_TIMEOUT_MS,
      );
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
