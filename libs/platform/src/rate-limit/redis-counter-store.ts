import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WindowCount } from './counter-store.js';

/**
 * Fixed window, opened by a key's first hit, in one atomic script (concurrent hits from any
 * number of api instances are serialised by Redis, so a quota of q admits exactly q).
 *
 * Why a fixed window rather than a sliding-window counter: the count is exact, so `remaining`
 * and the reset time in the RateLimit header are true rather than an estimate, and a window
 * costs one key with a TTL. Its known weakness — up to 2×quota across a window boundary — is
 * softened by anchoring each key's window at its own first hit instead of the clock's minute,
 * so clients do not all reset (and burst) at the same instant.
 *
 * The count stops at the limit (a refused hit is not added), so a client hammering while
 * blocked cannot push its counter ever higher. A key without a TTL (which the script never
 * leaves behind) is given one, so no counter can block forever. Limit 0 only reads.
 *
 * KEYS[1] counter · ARGV[1] window ms · ARGV[2] limit → {count, ms to reset, added 0|1}
 */
const HIT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
local added = 0
if count < tonumber(ARGV[2]) then
  count = redis.call('INCR', KEYS[1])
  added = 1
end
if count > 0 and ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if ttl < 0 then ttl = 0 end
return {count, ttl, added}
`;
const HIT_SHA = createHash('sha1').update(HIT).digest('hex');

/** Takes one hit back (a reservation that turned out not to count); never below 0, TTL kept. */
const UNHIT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

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

/** Counters in Redis; keys are relative to the client's `keyPrefix`. Errors propagate: the caller falls back. */
export class RedisCounterStore {
  constructor(private readonly redis: Redis) {}

  async increment(key: string, windowMs: number, limit: number): Promise<WindowCount> {
    const args = [key, String(windowMs), String(limit)];
    let reply: unknown;
    try {
      // EVALSHA sends 40 bytes instead of the script; Redis forgets scripts on restart (NOSCRIPT).
      reply = await this.redis.evalsha(HIT_SHA, 1, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      reply = await this.redis.eval(HIT, 1, ...args);
    }
    const [count, resetMs, added] = reply as [number, number, number];
    return { count, resetMs, added: added === 1 };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.eval(UNHIT, 1, key);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
