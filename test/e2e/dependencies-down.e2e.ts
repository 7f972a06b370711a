import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../support/app-process.js';
import { RedisServer } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually } from '../support/wait.js';
import { rawRequest, readiness, type ReadinessBody } from './http-client.js';

/**
 * Polls readiness until `accept` holds for an answer, recording every answer on the way: each
 * one must be a proper 200/503 readiness body (the process keeps answering, never crashes).
 */
async function readinessUntil(
  app: AppProcess,
  accept: (status: number, body: ReadinessBody) => boolean,
  seen: { status: number; body: ReadinessBody }[],
  timeoutMs = 15_000,
): Promise<{ status: number; body: ReadinessBody }> {
  return eventually(
    async () => {
      if (app.child.exitCode !== null || app.child.signalCode !== null)
        throw new Error(`${app.name} exited:\n${app.logs.slice(-3000)}`);
      const answer = await readiness(app.url);
      seen.push(answer);
      return accept(answer.status, answer.body) && answer;
    },
    timeoutMs,
    100,
  );
}

/**
 * A readiness body names dependencies and their states, nothing else: no error message, host,
 * port or stack — the exact shape, so nothing extra slips in.
 */
function expectOnlyStates(body: ReadinessBody, port: number): void {
  expect(Object.keys(body).sort()).toEqual(['checks', 'status']);
  for (const check of Object.values(body.checks)) expect(Object.keys(check)).toEqual(['status']);
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONN|Error|timeout|at /i);
  expect(text).not.toContain(String(port));
}

function expectStillRunning(app: AppProcess): void {
  expect(app.child.exitCode).toBeNull();
  expect(app.child.signalCode).toBeNull();
}

describe('PostgreSQL unreachable (docs/architecture.md, health)', () => {
  let proxy: TcpProxy;
  let api: AppProcess | undefined;

  beforeAll(async () => {
    const database = new URL(process.env.DATABASE_URL ?? '');
    proxy = await TcpProxy.create(Number(database.port || 5432), { open: false });
  });

  afterAll(async () => {
    await api?.kill();
    await proxy?.close();
  });

  /** The api with DATABASE_URL pointing at the proxy: same server and database, other port. */
  async function startApiThroughProxy(): Promise<AppProcess> {
    const database = new URL(process.env.DATABASE_URL ?? '');
    database.host = `127.0.0.1:${proxy.port}`;
    api = await AppProcess.start('api', { env: { DATABASE_URL: database.toString() }, waitFor: 'live' });
    return api;
  }

  it('the api boots while the database is down: alive, unready with database down, then ready without a restart once it answers', async () => {
    const app = await startApiThroughProxy();

    // Redis connects in the background: the first answers may come before it is ready.
    const down = await readinessUntil(app, (_, body) => body.checks.redis?.status === 'up', []);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.database?.status).toBe('down');
    expect(down.body.checks.redis?.status).toBe('up');
    expectOnlyStates(down.body, proxy.port);
    // The reason is in the log instead.
    expect(app.logs).toContain('readiness: dependency down');

    await proxy.open();
    const seen: { status: number; body: ReadinessBody }[] = [];
    const up = await readinessUntil(app, (status) => status === 200, seen);

    expect(up.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' } } });
    for (const answer of seen) expect([200, 503]).toContain(answer.status);
    expect((await rawRequest(`${app.url}/health/live`)).status).toBe(200);
    expectStillRunning(app);
  });

  it('the api turns unready when the database goes away at run time and ready again when it is back, without crashing', async () => {
    await proxy.open();
    // Reuses the api of the previous test (it already proved the boot) when there is one.
    const app = api ?? (await startApiThroughProxy());
    await readinessUntil(app, (status) => status === 200, []);

    await proxy.close();
    const seen: { status: number; body: ReadinessBody }[] = [];
    const down = await readinessUntil(app, (status) => status === 503, seen);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.database?.status).toBe('down');
    expectOnlyStates(down.body, proxy.port);
    expect((await rawRequest(`${app.url}/health/live`)).status).toBe(200);

    await proxy.open();
    const up = await readinessUntil(app, (status) => status === 200, seen);
    expect(up.body.status).toBe('ok');
    for (const answer of seen) expect([200, 503]).toContain(answer.status);
    expectStillRunning(app);
  });
});

describe('Redis unreachable (docs/architecture.md, health)', () => {
  let redis: RedisServer;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    await app?.kill();
    app = undefined;
    await redis.restart();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('the api stays ready but degraded (redis down) while Redis is gone, and reports ok again once it is back', async () => {
    const api = await AppProcess.start('api', { env: { REDIS_URL: redis.url }, waitFor: 'ready' });
    app = api;
    expect((await readiness(api.url)).body).toMatchObject({ status: 'ok', checks: { redis: { status: 'up' } } });

    await redis.stop();
    const seen: { status: number; body: ReadinessBody }[] = [];
    const degraded = await readinessUntil(api, (_status, body) => body.checks.redis?.status === 'down', seen);
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks.database?.status).toBe('up');

    await redis.restart();
    const ok = await readinessUntil(api, (_status, body) => body.status === 'ok', seen);
    expect(ok.status).toBe(200);
    expect(ok.body.checks.redis?.status).toBe('up');
    // A Redis outage never takes the api out of service.
    for (const answer of seen) expect(answer.status).toBe(200);
    expectStillRunning(api);
  });

  it('the worker turns unready (503 unavailable) while Redis is gone, and ready again once it is back', async () => {
    const worker = await AppProcess.start('worker', { env: { REDIS_URL: redis.url }, waitFor: 'ready' });
    app = worker;

    await redis.stop();
    const seen: { status: number; body: ReadinessBody }[] = [];
    const down = await readinessUntil(worker, (status) => status === 503, seen);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.redis?.status).toBe('down');
    expect(down.body.checks.database?.status).toBe('up');
    expect((await rawRequest(`${worker.url}/health/live`)).status).toBe(200);

    await redis.restart();
    const up = await readinessUntil(worker, (status) => status === 200, seen);
    expect(up.body.status).toBe('ok');
    for (const answer of seen) expect([200, 503]).toContain(answer.status);
    expectStillRunning(worker);
  });
});
