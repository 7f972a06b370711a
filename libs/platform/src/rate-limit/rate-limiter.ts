import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { type CounterSource, RateLimitCounters } from './rate-limit-counters.js';
import { type RateLimitPolicy, type RateLimitPolicyName, rateLimitPolicies } from './rate-limit.policies.js';

export interface RateLimitDecision {
  allowed: boolean;
  policy: RateLimitPolicyName;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1): the `t` of the RateLimit header and the Retry-After of a 429. */
  resetSeconds: number;
  /** Where the hit was counted: `memory` while Redis is unavailable (per-instance limits). */
  store: CounterSource;
}

/** Seconds as headers and Retry-After want them: whole, rounded up, never 0 for an open window. */
export function secondsUntil(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

/** Request quotas by policy: one hit per request, counted per policy and key (caller or IP). */
@Injectable()
export class RateLimiter {
  private readonly policies: Readonly<Record<RateLimitPolicyName, RateLimitPolicy>>;

  constructor(
    config: AppConfig,
    private readonly counters: RateLimitCounters,
  ) {
    this.policies = rateLimitPolicies(config);
  }

  policy(name: RateLimitPolicyName): RateLimitPolicy {
    return this.policies[name];
  }

  /** Counts one request of `key` under the policy; a refused request is not counted. */
  async consume(name: RateLimitPolicyName, key: string): Promise<RateLimitDecision> {
    const policy = this.policies[name];
    const counted = await this.counters.increment(name, `rl:${name}:${key}`, policy.windowSeconds * 1000, policy.limit);
    return {
      allowed: counted.added,
      policy: name,
      limit: policy.limit,
      remaining: Math.max(0, policy.limit - counted.count),
      resetSeconds: secondsUntil(counted.resetMs),
      store: counted.source,
    };
  }
}
