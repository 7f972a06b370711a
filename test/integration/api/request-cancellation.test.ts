import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Module, Param, VERSION_NEUTRAL } from '@nestjs/common';
import { DomainError, isUuid, loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import { Public } from '../../../apps/api/src/http/auth/access-rules.js';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { Timeout } from '../../../apps/api/src/http/timeouts/timeout.decorator.js';
import { deleteRedisKeys } from '../../support/test-redis.js';
import { eventually } from '../../support/wait.js';

/** The marker a test puts in the SQL text, to find its statement in pg_stat_activity. */
function markerOf(id: string): string {
  if (!isUuid(id)) throw new DomainError('bad_request', 'The marker must be a UUID.');
  return `gw-http-cancel-${id}`;
}

/** Test-only routes: a 30 s cancellable query, under the default budget and under a 200 ms one. */
@Controller({ path: 'cancellation-test', version: VERSION_NEUTRAL })
@Public()
class SlowQueryController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('default/:id')
  async underDefaultBudget(@Param('id') id: string): Promise<{ done: true }> {
    await this.sleep(id);
    return { done: true };
  }

  @Get('short/:id')
  @Timeout(200)
  async underShortBudget(@Param('id') id: string): Promise<{ done: true }> {
    await this.sleep(id);
    return { done: true };
  }

  private async sleep(id: string): Promise<void> {
    const marker = markerOf(id);
    await this.prisma.cancellable((db) => db.$queryRawUnsafe(`SELECT pg_sleep(30) /* ${marker} */`));
  }
}

@Module({ controllers: [SlowQueryController] })
class SlowQueryModule {}

/**
 * Cancellation through the whole HTTP edge, in process: a client that hangs up, and a route
 * whose budget runs out, both stop the request's query on the database server.
 */
describe('request timeouts and cancellation over HTTP', () => {
  const prefix = `gwtest_cancel_${process.pid}_${Date.now()}`;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;

  beforeAll(async () => {
    const config = loadAppConfig('api', { ...process.env, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createApiApp(config, { imports: [SlowQueryModule] });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
  });

  afterAll(async () => {
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  async function activeBackends(id: string): Promise<number> {
    const rows = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE ${`%${markerOf(id)}%`}`;
    return rows[0]?.n ?? 0;
  }

  it('cancels the query of a client that disconnects mid-request', async () => {
    const id = newId();
    const client = new AbortController();
    const request = fetch(`${url}/cancellation-test/default/${id}`, { signal: client.signal });
    // The rejection is a DOMException of another realm under Jest's VM modules: compare by name.
    const settled = request.then(
      () => 'answered',
      (error: unknown) => (error as { name?: string }).name,
    );
    await eventually(async () => (await activeBackends(id)) === 1);
    const hungUp = Date.now();

    client.abort();

    expect(await settled).toBe('AbortError');
    await eventually(async () => (await activeBackends(id)) === 0, 5_000);
    expect(Date.now() - hungUp).toBeLessThan(5_000);
  });

  it('answers 503 with Retry-After when the route budget runs out, and cancels the query', async () => {
    const id = newId();
    const started = Date.now();

    const response = await fetch(`${url}/cancellation-test/short/${id}`, { signal: AbortSignal.timeout(10_000) });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { type: string; status: number; detail: string };
    expect(problem).toMatchObject({ status: 503, detail: 'The request did not finish within its 200 ms budget.' });
    expect(problem.type).toMatch(/timeout$/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await eventually(async () => (await activeBackends(id)) === 0, 5_000);
  });

  it('keeps serving after both: the pool has no connection left stuck in a sleep', async () => {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
  });
});
