import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

/** Runs the Prisma CLI as `npx prisma` would, through the project's offline schema engine. */
function prisma(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Prisma CLI with the offline schema engine', () => {
  it('finds no drift between the migrations and the schema', () => {
    const { status, output } = prisma([
      'migrate',
      'diff',
      '--from-migrations',
      'prisma/migrations',
      '--to-schema',
      'prisma/schema.prisma',
      '--exit-code',
    ]);
    expect(output).toContain('No difference detected');
    expect(status).toBe(0);
  });

  it('reports the run database as up to date', () => {
    const { status, output } = prisma(['migrate', 'status']);
    expect(output).toMatch(/Database schema is up to date/);
    expect(status).toBe(0);
  });

  it('fails migrate deploy loudly when the database cannot be reached, never a silent exit 0', () => {
    const unreachable = new URL(process.env.DATABASE_URL ?? '');
    unreachable.port = '1';
    const { status, output } = prisma(['migrate', 'deploy'], { DATABASE_URL: unreachable.toString() });
    expect(status).not.toBe(0);
    expect(output).not.toMatch(/successfully applied/);
  });

  it('fails when the engine stand-in cannot start', () => {
    const { status } = prisma(['migrate', 'status'], {
      PRISMA_SCHEMA_ENGINE_BINARY: 'tools/does-not-exist.cjs',
    });
    expect(status).not.toBe(0);
  });
});
