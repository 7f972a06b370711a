import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createMigratedDatabase, dropDatabase, randomDatabaseName } from '../../support/test-database.js';

/**
 * Expand/contract: during a rolling update the previous release's pods keep running against the
 * schema this release migrates to. prisma/compat/release-queries.sql holds the SQL the previous
 * release sends (captured with `npm run db:capture-queries` when it was cut); every statement
 * must still be valid against the schema of every migration in this tree — a dropped or renamed
 * table or column, or a changed type, fails here before it fails a rollout.
 */
const statements = readFileSync('prisma/compat/release-queries.sql', 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('--'));

describe('expand/contract: the previous release against this schema', () => {
  const name = randomDatabaseName('gw_compat');
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: await createMigratedDatabase(name) });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await dropDatabase(name);
  });

  it('has the previous release queries to check', () => {
    expect(statements.length).toBeGreaterThan(20);
  });

  it('prepares every statement of the previous release against the migrated schema', async () => {
    const refused: string[] = [];
    for (const [index, statement] of statements.entries()) {
      // PREPARE parses, resolves every table, column and type, and plans — without running it.
      try {
        await client.query(`PREPARE previous_release_${index} AS ${statement}`);
        await client.query(`DEALLOCATE previous_release_${index}`);
      } catch (error) {
        refused.push(`${(error as Error).message}: ${statement.slice(0, 300)}`);
      }
    }

    expect(refused).toEqual([]);
  });
});
