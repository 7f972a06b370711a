import { Module } from '@nestjs/common';
import { LoginAttemptLimiter } from './login-attempt-limiter.js';
import { RateLimitCounters } from './rate-limit-counters.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Request quotas and sign-in attempt limits over one counter store. Needs the (global)
 * configuration, Redis and metrics modules. Nest keeps one instance per module class, so every
 * importer shares the same counters and the one fallback metric.
 */
@Module({
  providers: [RateLimitCounters, RateLimiter, LoginAttemptLimiter],
  exports: [RateLimiter, LoginAttemptLimiter],
})
export class RateLimiterModule {}
