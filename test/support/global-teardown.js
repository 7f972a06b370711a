// @ts-check
import { Redis } from 'ioredis';
import { dropDatabase } from './test-database.js';

/** Drops the run's database and deletes the run's Redis keys. */
export default async function globalTeardown() {
  const name = process.env.TEST_DATABASE_NAME;
  if (name) await dropDatabase(name);
  const prefix = process.env.REDIS_KEY_PREFIX;
  if (prefix?.startsWith('gwtest_')) {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
