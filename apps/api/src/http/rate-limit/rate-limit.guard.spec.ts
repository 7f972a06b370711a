import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Controller, Get, type Type } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { DomainError, RateLimiter, type RateLimitDecision, type RateLimitPolicyName } from '@groundwork/platform';
import type { Principal } from '../auth/principal.js';
import { setRequestAuth } from '../auth/request-auth.js';
import { RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
import { RateLimitGuard } from './rate-limit.guard.js';

@Controller('things')
class ThingsController {
  @Get()
  list(): void {}

  @Get('login')
  @RateLimit('auth')
  login(): void {}
}

@SkipRateLimit()
@Controller('health')
class ProbeController {
  @Get()
  live(): void {}
}

/** Records what the guard asked for and answers with a fixed remaining count. */
class RecordingLimiter {
  readonly calls: [RateLimitPolicyName, string][] = [];
  remaining = 9;

  policy(name: RateLimitPolicyName) {
    return { name, limit: name === 'auth' ? 60 : 10, windowSeconds: 60, keyedBy: name === 'auth' ? 'ip' : 'caller' };
  }

  async consume(name: RateLimitPolicyName, key: string): Promise<RateLimitDecision> {
    this.calls.push([name, key]);
    const limit = this.policy(name).limit;
    return {
      allowed: this.remaining > 0,
      policy: name,
      limit,
      remaining: this.remaining,
      resetSeconds: 30,
      store: 'redis',
    };
  }
}

class HeaderResponse {
  readonly headers: Record<string, string> = {};
}

async function guardWith(limiter: RecordingLimiter): Promise<RateLimitGuard> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      RateLimitGuard,
      Reflector,
      { provide: RateLimiter, useValue: limiter },
      {
        provide: HttpAdapterHost,
        useValue: {
          httpAdapter: {
            setHeader: (response: HeaderResponse, name: string, value: string) => (response.headers[name] = value),
          },
        },
      },
    ],
  }).compile();
  return moduleRef.get(RateLimitGuard);
}

function context(
  controller: Type<unknown>,
  handler: string,
  request: object,
  response: HeaderResponse,
): ExecutionContextHost {
  const method = (controller.prototype as Record<string, () => void>)[handler] ?? null;
  const host = new ExecutionContextHost([request, response], controller, method);
  host.setType('http');
  return host;
}

const USER: Principal = { kind: 'user', userId: 'u-1', sessionId: 's-1', via: 'bearer' };

describe('RateLimitGuard', () => {
  it('counts an anonymous request under the default policy per client IP and sets both headers', async () => {
    const limiter = new RecordingLimiter();
    const response = new HeaderResponse();

    const allowed = await (
      await guardWith(limiter)
    ).canActivate(context(ThingsController, 'list', { ip: '203.0.113.9' }, response));

    expect(allowed).toBe(true);
    expect(limiter.calls).toEqual([['default', 'ip:203.0.113.9']]);
    expect(response.headers).toEqual({ 'RateLimit-Policy': '"default";q=10;w=60', RateLimit: '"default";r=9;t=30' });
  });

  it('counts a signed-in caller by its principal, wherever it connects from', async () => {
    const limiter = new RecordingLimiter();
    const request = { ip: '203.0.113.9' };
    setRequestAuth(request, { principal: USER });

    await (await guardWith(limiter)).canActivate(context(ThingsController, 'list', request, new HeaderResponse()));

    expect(limiter.calls).toEqual([['default', 'user:u-1']]);
  });

  it('counts an auth route per IP even for a signed-in caller', async () => {
    const limiter = new RecordingLimiter();
    const request = { ip: '203.0.113.9' };
    setRequestAuth(request, { principal: USER });

    await (await guardWith(limiter)).canActivate(context(ThingsController, 'login', request, new HeaderResponse()));

    expect(limiter.calls).toEqual([['auth', 'ip:203.0.113.9']]);
  });

  it('refuses with rate_limited and the seconds to reset once nothing remains, headers already set', async () => {
    const limiter = new RecordingLimiter();
    limiter.remaining = 0;
    const response = new HeaderResponse();

    const outcome = (await guardWith(limiter)).canActivate(context(ThingsController, 'list', { ip: '::1' }, response));

    await expect(outcome).rejects.toBeInstanceOf(DomainError);
    await expect(outcome).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 30 });
    expect(response.headers.RateLimit).toBe('"default";r=0;t=30');
  });

  it('lets routes marked @SkipRateLimit through without counting or headers', async () => {
    const limiter = new RecordingLimiter();
    const response = new HeaderResponse();

    expect(
      await (await guardWith(limiter)).canActivate(context(ProbeController, 'live', { ip: '10.0.0.1' }, response)),
    ).toBe(true);

    expect(limiter.calls).toEqual([]);
    expect(response.headers).toEqual({});
  });
});
