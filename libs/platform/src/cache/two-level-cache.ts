import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { RequestCancelledError } from '../context/request-cancellation.js';
import { MetricsService } from '../observability/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';
import type { CacheVersions } from './cache-versions.js';
import { ExpiringLru } from './lru.js';

export interface TwoLevelCacheOptions {
  /** In-process entries kept at most (least recently used go first). */
  l1MaxEntries: number;
  /** In-process characters of JSON kept at most, across entries (about the bytes held). */
  l1MaxChars: number;
  /** How long an in-process entry lives. Short: it only saves the Redis round trip for the data. */
  l1TtlMs: number;
  /** How long a Redis entry lives; it also bounds how long an orphaned (old-version) entry takes space. */
  l2TtlSeconds: number;
}

export const TWO_LEVEL_CACHE_DEFAULTS: TwoLevelCacheOptions = {
  l1MaxEntries: 5000,
  l1MaxChars: 32 * 1024 * 1024,
  l1TtlMs: 5000,
  l2TtlSeconds: 60,
};

/** DI token for overriding the defaults (tests, or an app that wants other sizes). */
export const TWO_LEVEL_CACHE_OPTIONS = Symbol('TWO_LEVEL_CACHE_OPTIONS');

/**
 * How long a version key lives in Redis. Every key the cache writes expires, so namespaces
 * nobody uses any more (a deleted workspace's) do not stay in Redis for ever. A version key
 * that expires while in use reads as missing, which starts it again at the current time in
 * ms — above any number it handed out unless it was bumped more than once per ms since its
 * creation — so expiry costs one miss per entry and never revives an old one.
 */
export const CACHE_VERSION_TTL_SECONDS = 7 * 24 * 3600;

/** A version read from a missing key: `~<now ms>`, not (yet) stored. */
const UNSTORED = '~';

/**
 * The version as it goes into keys: an unstored `~<ms>` counts as the `<ms>` that
 * `adoptVersions` stores. Safe because both scripts take the time from Redis's clock: a bump
 * after the read creates a larger number, so what was stored under the read's number can
 * only be current if nothing was bumped in between.
 */
export function storedVersion(version: string): string {
  return version.startsWith(UNSTORED) ? version.slice(UNSTORED.length) : version;
}

/** Lua: Redis's clock in ms, as an integer string (one clock for every instance). */
const NOW_MS_FUNCTION = `
local function now_ms()
  local t = redis.call('TIME')
  return string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000))
end`;

/**
 * Reads the version of every namespace in one round trip, writing nothing: a missing version
 * key is answered as `~<now ms>` and only created (`adoptVersions`) once a caller stores
 * something under it — so a lookup that finds nothing (a workspace the caller does not belong
 * to, an id that does not exist) leaves no key behind. A created key starts at the current
 * time in ms, not at 0: if Redis loses its keys (restart without persistence, flush), a
 * version number is never handed out twice.
 */
const VERSIONS_SCRIPT = `${NOW_MS_FUNCTION}
local out = {}
local now
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    now = now or now_ms()
    v = '${UNSTORED}' .. now
  end
  out[i] = v
end
return out`;

/** Bumps one namespace's version, starting from the current time like a created key does. */
const BUMP_SCRIPT = `${NOW_MS_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], now_ms(), 'EX', ARGV[1]) end
return redis.call('INCR', KEYS[1])`;

const VERSIONS_SHA = createHash('sha1').update(VERSIONS_SCRIPT).digest('hex');

/** Duck-typed: a reply error may come from another realm than this module's `Error` (tests). */
function isNoScript(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string' &&
    error.message.startsWith('NOSCRIPT')
  );
}

const versionKey = (namespace: string) => `cache:v:${namespace}`;

/** The metric label of a lookup: the namespaces' kind (`tasks:<workspace>` → `tasks`), never an id. */
const cacheLabel = (namespaces: readonly string[]) => (namespaces[0] ?? 'none').split(':')[0] ?? 'none';

/**
 * A two-level read-through cache: L1 in process (bounded LRU, short TTL), L2 in Redis (JSON).
 *
 * Invalidation is by versioned namespaces, never by finding keys: every namespace has a version
 * in Redis (`cache:v:<namespace>`), data keys embed the versions they were loaded under, and
 * `invalidate` increments the version, which orphans every older entry at once (they expire
 * by TTL). Each read asks Redis for the current versions (one round trip), so a bump made by
 * any instance is seen by every instance on its next read, L1 included: L1 keys carry the
 * versions too.
 *
 * Stampede guard: concurrent misses of one (versions, key) in this process share one loader.
 *
 * Versions come from Redis on every read, unless the caller passes its own source: a request
 * that reads versions twice (the access guard's, then a cached read's) passes one
 * `ReadAheadCacheVersions` to both, and they share one round trip.
 *
 * Redis unavailable: reads bypass both levels and call the loader (without the versions there
 * is no knowing whether an L1 entry is current); invalidations that cannot reach Redis are
 * remembered and applied as soon as it answers again (see `invalidate`).
 */
@Injectable()
export class TwoLevelCache implements CacheVersions {
  private readonly logger = new Logger(TwoLevelCache.name);
  private readonly options: TwoLevelCacheOptions;
  private readonly l1: ExpiringLru;
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly pendingBumps = new Set<string>();
  private redisFailing = false;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
    @Optional() @Inject(TWO_LEVEL_CACHE_OPTIONS) options?: Partial<TwoLevelCacheOptions>,
  ) {
    this.options = { ...TWO_LEVEL_CACHE_DEFAULTS, ...options };
    this.l1 = new ExpiringLru(this.options.l1MaxEntries, this.options.l1MaxChars, this.options.l1TtlMs);
    this.redis.client.on('ready', () => void this.flushPendingBumps());
  }

  /**
   * The value cached for `key` under the current versions of `namespaces`, or the loader's
   * (then stored in both levels). Values go through JSON either way, so a hit and a miss
   * answer exactly the same shape. A loader's error is not cached. `source` gives the
   * namespaces' versions (default: this cache, asking Redis).
   */
  async getOrLoad<T>(
    namespaces: readonly string[],
    key: string,
    loader: () => Promise<T>,
    source: CacheVersions = this,
  ): Promise<T> {
    const cache = cacheLabel(namespaces);
    let versions = await source.currentVersions(namespaces);
    if (versions?.some((version) => version !== storedVersion(version))) {
      // A namespace without a stored version: store one first and read again, so concurrent
      // readers (each of which read its own `~<ms>`) all meet on the same version and share
      // one loader. Only data the caller may read gets here, so storing is never for nothing.
      await this.adoptVersions(namespaces, versions);
      versions = await this.currentVersions(namespaces);
    }
    if (versions === undefined) {
      this.metrics.cacheLookups.inc({ cache, result: 'bypass' });
      return loader();
    }
    const fullKey = `${namespaces.map((namespace, i) => `${namespace}@${storedVersion(versions[i] ?? '')}`).join('|')}#${key}`;
    const local = this.l1.get(fullKey);
    if (local !== undefined) {
      this.metrics.cacheLookups.inc({ cache, result: 'l1_hit' });
      return JSON.parse(local) as T;
    }
    const shared = this.inFlight.get(fullKey);
    if (shared !== undefined) {
      this.metrics.cacheLookups.inc({ cache, result: 'coalesced' });
      try {
        return JSON.parse(await shared) as T;
      } catch (error) {
        // The leader's request was cancelled (client gone, timeout): that says nothing about
        // this request, which still wants its answer.
        if (error instanceof RequestCancelledError) return loader();
        throw error;
      }
    }
    const dataKey = `cache:d:${namespaces[0] ?? 'none'}:${createHash('sha256').update(fullKey).digest('base64url')}`;
    const load = this.loadAndStore(cache, fullKey, dataKey, loader);
    this.inFlight.set(fullKey, load);
    try {
      return JSON.parse(await load) as T;
    } finally {
      this.inFlight.delete(fullKey);
    }
  }

  /**
   * Makes every entry of the namespace stale, for every instance at once. Call it right after
   * the write's transaction commits and before answering, so the writer's next read (and
   * anyone else's) misses. It never throws: a write that committed must still succeed when
   * Redis is down. Readers bypass the cache meanwhile, and the bump is applied once Redis
   * answers again — before this instance reads through the cache, and as soon as its
   * connection is back. What remains: other instances may serve an entry from before the
   * outage between their reconnection and this one's (normally milliseconds), or for up to
   * the L2 TTL if this process dies before Redis returns.
   */
  async invalidate(namespace: string): Promise<void> {
    const cache = cacheLabel([namespace]);
    try {
      await this.bump(namespace);
      this.metrics.cacheInvalidations.inc({ cache, outcome: 'bumped' });
    } catch (error) {
      this.redisFailed(error);
      this.pendingBumps.add(namespace);
      this.metrics.cacheInvalidations.inc({ cache, outcome: 'deferred' });
    }
  }

  private async bump(namespace: string): Promise<void> {
    this.assertReady();
    await this.redis.client.eval(BUMP_SCRIPT, 1, versionKey(namespace), String(CACHE_VERSION_TTL_SECONDS));
    this.redisRecovered();
  }

  /**
   * Creates the version keys that `currentVersions` read as missing (`~<ms>`), with the value
   * read: call it after storing something under those versions. A key created meanwhile by
   * anyone else wins (NX), which orphans what was stored — never the reverse. Never throws.
   */
  async adoptVersions(namespaces: readonly string[], versions: readonly string[]): Promise<void> {
    const missing = namespaces.flatMap((namespace, i) => {
      const version = versions[i];
      return version?.startsWith(UNSTORED) ? [[namespace, version.slice(UNSTORED.length)] as const] : [];
    });
    if (missing.length === 0) return;
    try {
      this.assertReady();
      const batch = this.redis.client.multi();
      for (const [namespace, version] of missing) {
        batch.set(versionKey(namespace), version, 'EX', CACHE_VERSION_TTL_SECONDS, 'NX');
      }
      await batch.exec();
    } catch (error) {
      this.redisFailed(error);
    }
  }

  /**
   * The current versions of `namespaces` (one Redis round trip), for a caller that keeps its
   * own in-process memory keyed by them; undefined while Redis is unavailable or a bump of
   * this instance is still pending — then nothing remembered may be trusted.
   */
  async currentVersions(namespaces: readonly string[]): Promise<string[] | undefined> {
    try {
      this.assertReady();
      if (this.pendingBumps.size > 0) await this.flushPendingBumps();
      // Bumps this instance still owes would make the versions read here too old.
      if (this.pendingBumps.size > 0) return undefined;
      const reply = await this.readVersions(namespaces);
      if (!Array.isArray(reply) || reply.length !== namespaces.length) {
        throw new Error('unexpected reply to the cache versions script');
      }
      this.redisRecovered();
      return reply.map(String);
    } catch (error) {
      this.redisFailed(error);
      return undefined;
    }
  }

  /** EVALSHA sends 40 bytes instead of the script; Redis forgets scripts on restart (NOSCRIPT). */
  private async readVersions(namespaces: readonly string[]): Promise<unknown> {
    const args = namespaces.map(versionKey);
    try {
      return await this.redis.client.evalsha(VERSIONS_SHA, namespaces.length, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.redis.client.eval(VERSIONS_SCRIPT, namespaces.length, ...args);
    }
  }

  private async loadAndStore<T>(
    cache: string,
    fullKey: string,
    dataKey: string,
    loader: () => Promise<T>,
  ): Promise<string> {
    const stored = await this.redis.client.get(dataKey).catch((error: unknown) => {
      this.redisFailed(error);
      return null;
    });
    if (stored !== null) {
      this.metrics.cacheLookups.inc({ cache, result: 'l2_hit' });
      this.l1.set(fullKey, stored);
      return stored;
    }
    this.metrics.cacheLookups.inc({ cache, result: 'miss' });
    const json = JSON.stringify(await loader()) as string | undefined;
    if (json === undefined) throw new Error('a cache loader must return a JSON value');
    // Stored under the versions read before loading: if a write committed meanwhile, its bump
    // already moved the version on, so this entry is born orphaned rather than stale.
    this.l1.set(fullKey, json);
    await this.redis.client.set(dataKey, json, 'EX', this.options.l2TtlSeconds).catch((error: unknown) => {
      this.redisFailed(error);
    });
    return json;
  }

  /** One flush at a time: the reconnection and a read may both ask, and a bump is owed once. */
  private flushPendingBumps(): Promise<void> {
    this.flushing ??= this.applyPendingBumps().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async applyPendingBumps(): Promise<void> {
    for (const namespace of [...this.pendingBumps]) {
      try {
        await this.bump(namespace);
      } catch (error) {
        this.redisFailed(error);
        return;
      }
      this.pendingBumps.delete(namespace);
      this.metrics.cacheInvalidations.inc({ cache: cacheLabel([namespace]), outcome: 'bumped' });
    }
  }

  /** Commands fail fast anyway while disconnected; not sending them saves the exception. */
  private assertReady(): void {
    const status = this.redis.client.status;
    if (status !== 'ready') throw new Error(`the redis connection is ${status}`);
  }

  /** Logged once per outage, not once per request. */
  private redisFailed(error: unknown): void {
    if (this.redisFailing) return;
    this.redisFailing = true;
    this.logger.warn({ err: error }, 'redis unavailable: the cache is bypassed until it answers again');
  }

  private redisRecovered(): void {
    if (!this.redisFailing) return;
    this.redisFailing = false;
    this.logger.log('redis answers again: the cache is back in use');
  }
}
