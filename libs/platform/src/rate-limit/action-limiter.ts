import { Injectable } from '@nestjs/common';
import { RateLimitCounters } from './rate-limit-counters.js';
import { ACTION_LIMITS, type ActionLimitName } from './rate-limit.policies.js';
import { secondsUntil } from './rate-limiter.js';

export interface ActionDecision {
  allowed: boolean;
  /** Seconds until the window has room again (at least 1). */
  retryAfterSeconds: number;
}

/**
 * Counts actions against ACTION_LIMITS, one atomic increment per action that refuses once the
 * window is full (so a burst cannot overshoot), on the counters the request limits use (and
 * their Redis-down fallback).
 */
@Injectable()
export class ActionLimiter {
  constructor(private readonly counters: RateLimitCounters) {}

  async take(name: ActionLimitName, key: string): Promise<ActionDecision> {
    const { limit, windowSeconds } = ACTION_LIMITS[name];
    const counted = await this.counters.increment(name, this.keyOf(name, key), windowSeconds * 1000, limit);
    return { allowed: counted.added, retryAfterSeconds: secondsUntil(counted.resetMs) };
  }

  /** Returns one taken action (it did not happen after all, e.g. the mail server refused it). */
  async giveBack(name: ActionLimitName, key: string): Promise<void> {
    await this.counters.decrement(this.keyOf(name, key));
  }

  private keyOf(name: ActionLimitName, key: string): string {
    return `al:${name}:${key}`;
  }
}
