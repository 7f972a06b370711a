import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { RateLimitPolicyName } from '@groundwork/platform';

export const RATE_LIMIT_POLICY = 'groundwork:rate-limit-policy';
export const SKIP_RATE_LIMIT = 'groundwork:skip-rate-limit';

/** Counts the route (or every route of a controller) under a named policy instead of `default`. */
export function RateLimit(policy: RateLimitPolicyName): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(RATE_LIMIT_POLICY, policy));
}

/**
 * Exempts operational routes: Kubernetes probes and Prometheus scrapes come every few seconds
 * from inside the cluster, and a 429 on them would take a healthy pod out of service. Never for
 * product routes.
 */
export function SkipRateLimit(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(SKIP_RATE_LIMIT, true));
}
