// @ts-check
import { dropDatabase } from './test-database.js';
import { deleteRedisKeys } from './test-redis.js';

/** Drops the run's database and deletes the run's Redis keys. */
export default async function globalTeardown() {
  const name = process.env.TEST_DATABASE_NAME;
  if (name) await dropDatabase(name);
  const prefix = process.env.REDIS_KEY_PREFIX;
  if (prefix?.startsWith('gwtest_'))
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
}
