import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { AUTH_REQUESTS_PER_MINUTE } from '@groundwork/platform';
import { type LimiterInstance, limiterInstance } from './limiter-instance.js';

function callerKey(): string {
  return `user:${randomBytes(6).toString('hex')}`;
}

describe('RateLimiter on Redis', () => {
  const instances: LimiterInstance[] = [];

  async function instance(perMinute: number): Promise<LimiterInstance> {
    const created = await limiterInstance({ RATE_LIMIT_PER_MINUTE: String(perMinute) });
    instances.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.moduleRef.close()));
  });

  it('admits exactly the quota of 100 concurrent requests of one caller, and refuses the rest', async () => {
    const { limiter } = await instance(25);
    const key = callerKey();

    const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.consume('default', key)));

    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    expect(decisions.every((d) => d.store === 'redis')).toBe(true);
    // Every remaining count from 24 down to 0 was handed out exactly once.
    const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    for (const refused of decisions.filter((d) => !d.allowed)) {
      expect(refused).toMatchObject({ policy: 'default', limit: 25, remaining: 0 });
      expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.resetSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('two api instances, each with its own Redis connection, share one counter per caller', async () => {
    const [first, second] = [await instance(10), await instance(10)];
    const key = callerKey();

    await first.limiter.consume('default', key);
    await first.limiter.consume('default', key);
    const seenBySecond = await second.limiter.consume('default', key);
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).limiter.consume('default', key)),
    );

    expect(seenBySecond).toMatchObject({ allowed: true, remaining: 7 });
    expect(concurrent.filter((d) => d.allowed)).toHaveLength(7);
  });

  it('reports the window: full quota minus one on the first request, reset within the 60 s window', async () => {
    const { limiter } = await instance(600);

    const decision = await limiter.consume('default', callerKey());

    expect(decision).toMatchObject({ allowed: true, policy: 'default', limit: 600, remaining: 599, store: 'redis' });
    expect(decision.resetSeconds).toBeGreaterThanOrEqual(59);
    expect(decision.resetSeconds).toBeLessThanOrEqual(60);
  });

  it('counts the auth policy (a quota fixed in code) apart from the default policy of the same key', async () => {
    const { limiter } = await instance(5);
    const key = `ip:auth-${randomBytes(4).toString('hex')}`;

    const auth = await Promise.all(
      Array.from({ length: AUTH_REQUESTS_PER_MINUTE + 1 }, () => limiter.consume('auth', key)),
    );
    const general = await limiter.consume('default', key);

    expect(auth.filter((d) => d.allowed)).toHaveLength(AUTH_REQUESTS_PER_MINUTE);
    expect(auth[0]).toMatchObject({ policy: 'auth', limit: AUTH_REQUESTS_PER_MINUTE });
    expect(general).toMatchObject({ allowed: true, policy: 'default', limit: 5, remaining: 4 });
  });

  it('writes its counters under the deployment key prefix of the Redis service', async () => {
    const { limiter, redis } = await instance(5);
    const key = callerKey();

    await limiter.consume('default', key);

    // The client prefixes its own commands: read the raw key through a prefix-free duplicate.
    const raw = redis.duplicate();
    try {
      expect(await raw.get(`${redis.keyPrefix}rl:default:${key}`)).toBe('1');
      expect(await raw.pttl(`${redis.keyPrefix}rl:default:${key}`)).toBeGreaterThan(55_000);
    } finally {
      raw.disconnect();
    }
  });
});
