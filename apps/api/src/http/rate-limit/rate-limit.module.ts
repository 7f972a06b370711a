import { Module } from '@nestjs/common';
import { RateLimiterModule } from '@groundwork/platform';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * The api's rate limiting. The guard is registered globally (APP_GUARD) by the api module,
 * which builds it in its own scope: so the limiter it injects is re-exported here.
 */
@Module({
  imports: [RateLimiterModule],
  providers: [RateLimitGuard],
  exports: [RateLimitGuard, RateLimiterModule],
})
export class RateLimitModule {}
