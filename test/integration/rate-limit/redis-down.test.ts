import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisServer } from '../../support/redis-server.js';
import { nextEvent } from '../../support/wait.js';
import { fallbackDecisions, type LimiterInstance, limiterInstance } from './limiter-instance.js';

/**
 * docs/architecture.md, health: with Redis down every rate limit falls back to per-instance memory
 * counters (logged, counted in /metrics), and returns to Redis once it is back.
 */
describe('rate limits while Redis is unavailable', () => {
  let server: RedisServer;
  let instance: LimiterInstance | undefined;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterEach(async () => {
    if (instance) {
      // Closing a connection in the middle of reconnecting leaves ioredis's 2 s socket-close
      // timer behind, which keeps Jest waiting: close it connected.
      if (instance.redis.client.status !== 'ready') {
        const ready = nextEvent(instance.redis.client, 'ready');
        await server.restart();
        await ready;
      }
      await instance.moduleRef.close();
      instance = undefined;
    }
    await server.restart();
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Stops the private Redis and waits until this instance's connection has noticed. */
  async function stopRedis(of: LimiterInstance): Promise<void> {
    const closed = nextEvent(of.redis.client, 'close');
    await server.stop();
    await closed;
  }

  it('decides from in-memory counters with the same quota, counts each fallback decision, and uses Redis again once it is back', async () => {
    instance = await limiterInstance({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '3' });
    const key = `user:${randomBytes(6).toString('hex')}`;
    expect((await instance.limiter.consume('default', key)).store).toBe('redis');

    await stopRedis(instance);
    const during = [];
    for (let i = 0; i < 4; i += 1) during.push(await instance.limiter.consume('default', key));

    expect(during.map((d) => [d.store, d.allowed, d.remaining])).toEqual([
      ['memory', true, 2],
      ['memory', true, 1],
      ['memory', true, 0],
      ['memory', false, 0],
    ]);
    expect(during[3]?.resetSeconds).toBeGreaterThanOrEqual(59);
    expect(await fallbackDecisions(instance, 'default')).toBe(4);

    const ready = nextEvent(instance.redis.client, 'ready');
    await server.restart();
    await ready;
    const after = await instance.limiter.consume('default', key);

    // Redis kept nothing (no persistence): the counter there starts afresh, shared again.
    expect(after).toMatchObject({ store: 'redis', allowed: true, remaining: 2 });
    expect(await fallbackDecisions(instance, 'default')).toBe(4);
    expect(await instance.redis.client.get(`rl:default:${key}`)).toBe('1');
  });

  it('keeps limiting failed sign-ins per account from memory while Redis is down', async () => {
    instance = await limiterInstance({ REDIS_URL: server.url });
    const attempt = { account: randomBytes(16).toString('hex'), ip: '192.0.2.10' };

    await stopRedis(instance);
    for (let i = 0; i < 5; i += 1) {
      await instance.logins.assertAllowed(attempt);
      await instance.logins.recordFailure(attempt);
    }

    await expect(instance.logins.assertAllowed(attempt)).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
    expect(await fallbackDecisions(instance, 'login-account')).toBe(11);
    expect(await fallbackDecisions(instance, 'login-ip')).toBe(11);
  });
});
