import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  loadAppConfig,
  MetricsModule,
  MetricsService,
  PlatformConfigModule,
  RedisModule,
  ReadAheadCacheVersions,
  RedisService,
  TwoLevelCache,
  TwoLevelCacheModule,
} from '@groundwork/platform';
import { RedisServer } from '../../support/redis-server.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { nextEvent } from '../../support/wait.js';

/** One "api instance": its own Redis connection, L1, in-flight loaders and metrics. */
interface CacheInstance {
  moduleRef: TestingModule;
  cache: TwoLevelCache;
  redis: RedisService;
  metrics: MetricsService;
}

async function cacheInstance(env: Record<string, string> = {}): Promise<CacheInstance> {
  const config = loadAppConfig('api', { ...process.env, ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformConfigModule.forRoot('api', config), RedisModule, MetricsModule, TwoLevelCacheModule],
  }).compile();
  await moduleRef.init();
  const redis = moduleRef.get(RedisService);
  if (redis.client.status !== 'ready') await once(redis.client, 'ready');
  return { moduleRef, cache: moduleRef.get(TwoLevelCache), redis, metrics: moduleRef.get(MetricsService) };
}

async function lookups(instance: CacheInstance, result: string): Promise<number> {
  const metric = instance.metrics.registry.getSingleMetric('cache_lookups_total');
  if (!metric) throw new Error('cache_lookups_total is not registered');
  const { values } = await metric.get();
  return values.filter((value) => value.labels.result === result).reduce((sum, value) => sum + value.value, 0);
}

async function invalidations(instance: CacheInstance, outcome: string): Promise<number> {
  const metric = instance.metrics.registry.getSingleMetric('cache_invalidations_total');
  if (!metric) throw new Error('cache_invalidations_total is not registered');
  const { values } = await metric.get();
  return values.filter((value) => value.labels.outcome === outcome).reduce((sum, value) => sum + value.value, 0);
}

/** A loader over a mutable "database" row that counts its calls. */
function source(initial: string) {
  const state = { value: initial, calls: 0 };
  const load = async (): Promise<{ title: string }> => {
    state.calls += 1;
    return { title: state.value };
  };
  return { state, load };
}

const namespace = () => `tasks:${randomBytes(6).toString('hex')}`;

describe('TwoLevelCache on Redis', () => {
  const instances: CacheInstance[] = [];

  async function instance(env: Record<string, string> = {}): Promise<CacheInstance> {
    const created = await cacheInstance(env);
    instances.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.moduleRef.close()));
  });

  it('misses, then hits in process; a hit answers the same JSON shape as the miss', async () => {
    const a = await instance();
    const ns = namespace();
    const { state, load } = source('first');
    const date = new Date('2026-01-02T03:04:05.000Z');

    expect(await a.cache.getOrLoad([ns], 'k', async () => ({ ...(await load()), at: date }))).toEqual({
      title: 'first',
      at: date.toISOString(),
    });
    expect(await a.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first', at: date.toISOString() });
    expect(state.calls).toBe(1);
    expect(await lookups(a, 'miss')).toBe(1);
    expect(await lookups(a, 'l1_hit')).toBe(1);
  });

  it('reloads after invalidate, and keys differ by key and by namespace', async () => {
    const a = await instance();
    const ns = namespace();
    const { state, load } = source('first');
    await a.cache.getOrLoad([ns], 'k', load);

    state.value = 'second';
    await a.cache.invalidate(ns);
    expect(await a.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });
    expect(state.calls).toBe(2);

    expect(await a.cache.getOrLoad([ns], 'other', load)).toEqual({ title: 'second' });
    expect(await a.cache.getOrLoad([namespace()], 'k', load)).toEqual({ title: 'second' });
    expect(state.calls).toBe(4);
    expect(await invalidations(a, 'bumped')).toBe(1);
  });

  it('shares entries between instances through Redis, and a bump by one is seen by the other at once (no stale L1)', async () => {
    const a = await instance();
    const b = await instance();
    const ns = namespace();
    const { state, load } = source('first');

    await a.cache.getOrLoad([ns], 'k', load);
    expect(await b.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first' });
    expect(await b.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first' });
    expect(state.calls).toBe(1);
    expect(await lookups(b, 'l2_hit')).toBe(1);
    expect(await lookups(b, 'l1_hit')).toBe(1);

    // A writes and bumps; B's L1 still holds the old value, under the old version.
    state.value = 'second';
    await a.cache.invalidate(ns);
    expect(await b.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });
    expect(await a.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });
    expect(state.calls).toBe(2);
  });

  it("a request's read-ahead loader: its first read fetches the later read's versions too, each served once", async () => {
    const a = await instance();
    const b = await instance();
    const [guard, tasks] = [namespace(), namespace()];
    const { state, load } = source('first');
    await a.cache.getOrLoad([tasks], 'k', load);
    const evalshas = () => {
      let calls = 0;
      const original = a.redis.client.evalsha.bind(a.redis.client);
      a.redis.client.evalsha = ((...args: Parameters<typeof original>) => {
        calls += 1;
        return original(...args);
      }) as typeof original;
      return { count: () => calls, restore: () => (a.redis.client.evalsha = original) };
    };

    const spy = evalshas();
    try {
      // One round trip for both: the guard's read fetches the cached read's namespace too.
      const first = new ReadAheadCacheVersions(a.cache, [tasks]);
      expect(await first.currentVersions([guard])).toHaveLength(1);
      expect(await a.cache.getOrLoad([tasks], 'k', load, first)).toEqual({ title: 'first' });
      expect(spy.count()).toBe(1);

      // Read after the request arrived: a bump by another instance before then is seen.
      state.value = 'second';
      await b.cache.invalidate(tasks);
      const second = new ReadAheadCacheVersions(a.cache, [tasks]);
      await second.currentVersions([guard]);
      expect(await a.cache.getOrLoad([tasks], 'k', load, second)).toEqual({ title: 'second' });
      // Served once: a second read through the loader asks Redis again, and sees a later bump.
      state.value = 'third';
      await b.cache.invalidate(tasks);
      expect(await a.cache.getOrLoad([tasks], 'k', load, second)).toEqual({ title: 'third' });
      expect(spy.count()).toBe(3);
    } finally {
      spy.restore();
    }
    expect(state.calls).toBe(3);
  });

  it('depends on every namespace it names: bumping any one of them reloads', async () => {
    const a = await instance();
    const tasks = namespace();
    const names = `user-names-${randomBytes(4).toString('hex')}`;
    const { state, load } = source('first');

    await a.cache.getOrLoad([tasks, names], 'k', load);
    await a.cache.getOrLoad([tasks, names], 'k', load);
    expect(state.calls).toBe(1);
    await a.cache.invalidate(names);
    await a.cache.getOrLoad([tasks, names], 'k', load);
    expect(state.calls).toBe(2);
  });

  it('runs one loader for 20 concurrent misses of one key', async () => {
    const a = await instance();
    const ns = namespace();
    let calls = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const loader = async () => {
      calls += 1;
      await gate;
      return { title: 'once' };
    };

    const reads = Array.from({ length: 20 }, () => a.cache.getOrLoad([ns], 'k', loader));
    release();
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 20 }, () => ({ title: 'once' })));
    expect(calls).toBe(1);
    expect(await lookups(a, 'miss')).toBe(1);
    expect(await lookups(a, 'coalesced')).toBe(19);
  });

  it('shares a loader error with the waiting readers and caches nothing', async () => {
    const a = await instance();
    const ns = namespace();
    let calls = 0;
    const failing = async (): Promise<{ title: string }> => {
      calls += 1;
      await Promise.resolve();
      throw new Error('not found');
    };

    const reads = await Promise.allSettled([1, 2, 3].map(() => a.cache.getOrLoad([ns], 'k', failing)));
    expect(reads.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await a.cache.getOrLoad([ns], 'k', async () => ({ title: 'now' }))).toEqual({ title: 'now' });
  });
});

describe('TwoLevelCache while Redis is unavailable', () => {
  let server: RedisServer;
  let instance: CacheInstance | undefined;
  let other: CacheInstance | undefined;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterEach(async () => {
    for (const i of [instance, other]) {
      if (!i) continue;
      // Closing a connection that is reconnecting leaves ioredis's socket timer behind: close it connected.
      if (i.redis.client.status !== 'ready') {
        const ready = nextEvent(i.redis.client, 'ready');
        await server.restart();
        await ready;
      }
      await i.moduleRef.close();
    }
    instance = undefined;
    other = undefined;
    await server.restart();
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function stopRedis(...of: CacheInstance[]): Promise<void> {
    const closed = of.map((i) => nextEvent(i.redis.client, 'close'));
    await server.stop();
    await Promise.all(closed);
  }

  it('calls the loader for every read (read-ahead or not), still answers, and counts each bypass; uses the cache again once Redis is back', async () => {
    instance = await cacheInstance({ REDIS_URL: server.url });
    const ns = namespace();
    const { state, load } = source('first');
    await instance.cache.getOrLoad([ns], 'k', load);
    await instance.cache.getOrLoad([ns], 'k', load);
    expect(state.calls).toBe(1);

    await stopRedis(instance);
    // The L1 entry is still there, but without the version it cannot be trusted: not used.
    for (let i = 0; i < 3; i += 1) expect(await instance.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first' });
    expect(state.calls).toBe(4);
    expect(await lookups(instance, 'bypass')).toBe(3);
    // A request's loader fetched nothing ahead either: its cached read bypasses too.
    const loader = new ReadAheadCacheVersions(instance.cache, [ns]);
    expect(await loader.currentVersions([namespace()])).toBeUndefined();
    expect(await instance.cache.getOrLoad([ns], 'k', load, loader)).toEqual({ title: 'first' });
    expect(state.calls).toBe(5);
    expect(await lookups(instance, 'bypass')).toBe(4);

    const ready = nextEvent(instance.redis.client, 'ready');
    await server.restart();
    await ready;
    await instance.cache.getOrLoad([ns], 'k', load);
    await instance.cache.getOrLoad([ns], 'k', load);
    expect(state.calls).toBe(6);
    expect(await lookups(instance, 'bypass')).toBe(4);
  });

  it('a write that cannot reach Redis still succeeds, and its bump is applied as soon as Redis is reachable again', async () => {
    // The writer reaches Redis through a proxy that the test cuts; the other instance keeps its
    // connection, and Redis keeps its keys: a network partition of one instance.
    const proxy = await TcpProxy.create(server.port);
    try {
      instance = await cacheInstance({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      other = await cacheInstance({ REDIS_URL: server.url });
      const ns = namespace();
      const { state, load } = source('first');
      await instance.cache.getOrLoad([ns], 'k', load);
      expect(await other.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first' });

      const closed = nextEvent(instance.redis.client, 'close');
      await proxy.close();
      await closed;
      state.value = 'second';
      await expect(instance.cache.invalidate(ns)).resolves.toBeUndefined();
      expect(await invalidations(instance, 'deferred')).toBe(1);
      // The documented residual: while the writer cannot reach Redis, others keep the old entry.
      expect(await other.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'first' });
      // The writer itself bypasses the cache until its owed bump is applied.
      expect(await instance.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });

      const ready = nextEvent(instance.redis.client, 'ready');
      await proxy.open();
      await ready;
      expect(await instance.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });
      expect(await other.cache.getOrLoad([ns], 'k', load)).toEqual({ title: 'second' });
      expect(await invalidations(instance, 'bumped')).toBe(1);
    } finally {
      await instance?.moduleRef.close();
      instance = undefined;
      await proxy.close();
    }
  });
});
