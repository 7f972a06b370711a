// @ts-check
import { randomBytes } from 'node:crypto';
import { createMigratedDatabase, randomDatabaseName } from './test-database.js';

/**
 * One database per test run, migrated with the Prisma CLI, and one Redis key prefix per run,
 * so runs never see each other's data. Handed to every test file through the environment.
 */
export default async function globalSetup() {
  const name = randomDatabaseName();
  process.env.TEST_DATABASE_NAME = name;
  process.env.DATABASE_URL = await createMigratedDatabase(name);
  process.env.REDIS_KEY_PREFIX = `gwtest_${randomBytes(4).toString('hex')}`;
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'warn';
  // Apis built in a test process scrape on any free port: several run at once.
  process.env.METRICS_PORT ??= '0';
}
