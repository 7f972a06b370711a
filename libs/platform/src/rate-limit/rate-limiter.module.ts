import { Module } from '@nestjs/common';
import { ActionLimiter } from './action-limiter.js';
import { LoginAttemptLimiter } from './login-attempt-limiter.js';
import { RateLimitCounters } from './rate-limit-counters.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Request quotas and sign-in attempt limits over one counter store. Needs the (global)
 * configuration, Redis and metrics modules. Nest keeps one instance per module class, so every
 * importer shares the same counters and the one fallback metric.
 */
@Module({
  providers: [RateLimitCounters, RateLimiter, LoginAttemptLimiter, ActionLimiter],
  exports: [RateLimiter, LoginAttemptLimiter, ActionLimiter],
})
export class RateLimiterModule {}
