import { once } from 'node:events';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  LoginAttemptLimiter,
  loadAppConfig,
  MetricsModule,
  MetricsService,
  PlatformConfigModule,
  RateLimiter,
  RateLimiterModule,
  RedisModule,
  RedisService,
} from '@groundwork/platform';

/** What one "api instance" of a test holds: its own config, Redis connection, metrics and limiters. */
export interface LimiterInstance {
  moduleRef: TestingModule;
  limiter: RateLimiter;
  logins: LoginAttemptLimiter;
  redis: RedisService;
  metrics: MetricsService;
}

/** Builds the limiters as the api does (same modules), with env overrides; resolves once its Redis is ready. */
export async function limiterInstance(env: Record<string, string> = {}): Promise<LimiterInstance> {
  const config = loadAppConfig('api', { ...process.env, ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformConfigModule.forRoot('api', config), RedisModule, MetricsModule, RateLimiterModule],
  }).compile();
  await moduleRef.init();
  const redis = moduleRef.get(RedisService);
  if (redis.client.status !== 'ready') await once(redis.client, 'ready');
  return {
    moduleRef,
    limiter: moduleRef.get(RateLimiter),
    logins: moduleRef.get(LoginAttemptLimiter),
    redis,
    metrics: moduleRef.get(MetricsService),
  };
}

/** How many of the instance's counter operations for one policy used per-instance memory (`store="memory"`). */
export async function fallbackDecisions(instance: LimiterInstance, policy: string): Promise<number> {
  const metric = instance.metrics.registry.getSingleMetric('groundwork_rate_limit_decisions_total');
  if (!metric) throw new Error('groundwork_rate_limit_decisions_total is not registered');
  const { values } = await metric.get();
  return values
    .filter((value) => value.labels.policy === policy && value.labels.store === 'memory')
    .reduce((sum, value) => sum + value.value, 0);
}
