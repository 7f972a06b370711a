// @ts-check
// Plain ES module: used by Jest's globalTeardown (untransformed) and by the tests.
import { Redis } from 'ioredis';

/**
 * Deletes every key matching `pattern` (SCAN, never KEYS): how a test run or file removes
 * what it wrote under its own prefix.
 * @param {string} redisUrl
 * @param {string} pattern
 * @returns {Promise<number>} how many keys were deleted
 */
export async function deleteRedisKeys(redisUrl, pattern) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
