import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { DomainError, RateLimiter, type RateLimitPolicyName, rateLimitAddress } from '@groundwork/platform';
import { callerKey } from '../auth/principal.js';
import { RouteMemo } from '../route-memo.js';
import { requestPrincipal } from '../auth/request-auth.js';
import {
  formatRateLimit,
  formatRateLimitPolicy,
  RATE_LIMIT_HEADER,
  RATE_LIMIT_POLICY_HEADER,
} from './rate-limit-headers.js';
import { RATE_LIMIT_POLICY, SKIP_RATE_LIMIT } from './rate-limit.decorator.js';

/** The one request property the guard needs: the client address (Express honours TRUST_PROXY for it). */
interface ClientAddressed {
  ip?: string;
}

/**
 * Counts every routed request against its policy and refuses it with 429 once the quota is
 * used up. Runs after the authentication guard (which only records who the caller is) so a
 * signed-in caller has its own quota wherever it connects from, and before the access guard,
 * so even refused credentials are counted against their IP. The headers go on every answer,
 * the 429 included (the problem filter keeps headers already set).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** The route's policy, or undefined for a route that is not limited. */
  private readonly policies: RouteMemo<RateLimitPolicyName | undefined>;

  constructor(
    reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.policies = new RouteMemo((handler, controller) => {
      const targets = [handler, controller];
      if (reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, targets)) return undefined;
      return reflector.getAllAndOverride<RateLimitPolicyName | undefined>(RATE_LIMIT_POLICY, targets) ?? 'default';
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const name = this.policies.of(context.getClass(), context.getHandler());
    if (name === undefined) return true;
    const policy = this.limiter.policy(name);

    const http = context.switchToHttp();
    const request = http.getRequest<ClientAddressed>();
    const principal = policy.keyedBy === 'caller' ? requestPrincipal(request) : undefined;
    // No address only when the socket is already gone; those few share one bucket.
    const key = principal ? callerKey(principal) : `ip:${rateLimitAddress(request.ip ?? 'unknown')}`;
    const decision = await this.limiter.consume(name, key);

    const response = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, RATE_LIMIT_POLICY_HEADER, formatRateLimitPolicy(policy));
    adapter.setHeader(response, RATE_LIMIT_HEADER, formatRateLimit(decision));
    if (!decision.allowed) {
      throw new DomainError(
        'rate_limited',
        `Rate limit of the "${name}" policy exceeded (${policy.limit} requests per ${policy.windowSeconds} s). Retry after ${decision.resetSeconds} s.`,
        { retryAfterSeconds: decision.resetSeconds },
      );
    }
    return true;
  }
}
