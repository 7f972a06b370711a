import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import {
  AuditTrail,
  DomainError,
  newId,
  type Prisma,
  PrismaService,
  RequestCancelledError,
  RequestContext,
} from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';
import { eventually } from '../../support/wait.js';

/**
 * `PrismaService.cancellable` against real PostgreSQL: an abort must stop the statement on the
 * server (watched in `pg_stat_activity`), not merely stop waiting for it.
 */
describe('cancellable queries', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;

  beforeAll(async () => {
    moduleRef = await platformTestingModule();
    prisma = moduleRef.get(PrismaService);
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  /** A 30 s statement, findable in pg_stat_activity by the marker in its text. */
  function sleepQuery(marker: string): (db: Prisma.TransactionClient) => Promise<unknown> {
    return (db) => db.$queryRawUnsafe(`SELECT pg_sleep(30) /* ${marker} */`);
  }

  /** The backends running the marked statement right now (the probe's own backend excluded). */
  async function activeBackends(marker: string): Promise<number[]> {
    const rows = await prisma.$queryRaw<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity
      WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE ${`%${marker}%`}`;
    return rows.map((row) => row.pid);
  }

  /** Starts the marked statement and resolves once the server is running it. */
  async function startSleeping(
    options: Parameters<PrismaService['cancellable']>[1],
  ): Promise<{ marker: string; outcome: Promise<unknown> }> {
    const marker = `gw-cancel-${newId()}`;
    const outcome = prisma.cancellable(sleepQuery(marker), options);
    // Observed from here on, so a rejection before the assertions is not reported as unhandled.
    outcome.catch(() => undefined);
    await eventually(async () => (await activeBackends(marker)).length === 1);
    return { marker, outcome };
  }

  it('stops the statement on the server when the signal aborts, and rejects with the reason', async () => {
    const controller = new AbortController();
    const { marker, outcome } = await startSleeping({ signal: controller.signal });
    const started = Date.now();

    controller.abort(new RequestCancelledError('client_disconnected'));

    await expect(outcome).rejects.toMatchObject({ name: 'RequestCancelledError', kind: 'client_disconnected' });
    await eventually(async () => (await activeBackends(marker)).length === 0, 5_000);
    // pg_sleep(30) left alone would still be running for half a minute.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('turns a cancellation by a route timeout into the 503 timeout problem', async () => {
    const controller = new AbortController();
    const { marker, outcome } = await startSleeping({ signal: controller.signal });

    controller.abort(new RequestCancelledError('timeout', 200));

    const error = await outcome.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'timeout', retryAfterSeconds: 5 });
    await eventually(async () => (await activeBackends(marker)).length === 0, 5_000);
  });

  it('takes the signal from the request context when none is passed', async () => {
    const controller = new AbortController();
    const marker = `gw-cancel-${newId()}`;
    const outcome = RequestContext.runCancellable({ requestId: newId() }, controller, () =>
      prisma.cancellable(sleepQuery(marker)),
    );
    outcome.catch(() => undefined);
    await eventually(async () => (await activeBackends(marker)).length === 1);

    RequestContext.runCancellable({ requestId: 'other' }, new AbortController(), () =>
      RequestContext.cancel(new RequestCancelledError('timeout', 100), controller.signal),
    );

    await expect(outcome).rejects.toMatchObject({ code: 'timeout' });
    await eventually(async () => (await activeBackends(marker)).length === 0, 5_000);
  });

  it('refuses to start once the signal has aborted', async () => {
    const controller = new AbortController();
    controller.abort(new RequestCancelledError('client_disconnected'));
    let ran = false;

    await expect(
      prisma.cancellable(
        async (db) => {
          ran = true;
          return db.$queryRaw`SELECT 1`;
        },
        { signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(RequestCancelledError);
    expect(ran).toBe(false);
  });

  it('runs normally without a signal, and with a signal that never aborts', async () => {
    expect(RequestContext.current()).toBeUndefined();
    await expect(prisma.cancellable((db) => db.$queryRaw`SELECT 1::int AS one`)).resolves.toEqual([{ one: 1 }]);

    const controller = new AbortController();
    const rows = await prisma.cancellable((db) => db.$queryRaw<{ one: number }[]>`SELECT 1::int AS one`, {
      signal: controller.signal,
    });
    expect(rows).toEqual([{ one: 1 }]);
    // Aborting after the work finished reaches no backend: the pool's connections stay usable.
    controller.abort(new RequestCancelledError('client_disconnected'));
    await expect(prisma.$queryRaw`SELECT 2::int AS two`).resolves.toEqual([{ two: 2 }]);
  });

  it('ends a statement that outruns the statement timeout (the backstop), with or without a signal', async () => {
    for (const signal of [new AbortController().signal, undefined]) {
      const marker = `gw-cancel-${newId()}`;
      const started = Date.now();

      await expect(prisma.cancellable(sleepQuery(marker), { signal, statementTimeoutMs: 300 })).rejects.toMatchObject({
        code: 'timeout',
        retryAfterSeconds: 5,
      });

      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await activeBackends(marker)).toEqual([]);
    }
  });

  it('serves the audit log, its first user, through the request signal', async () => {
    const audit = moduleRef.get(AuditTrail);
    const workspaceId = newId();
    const workspace = await prisma.workspace.create({
      data: { id: workspaceId, name: 'Trail', slug: `t-${workspaceId}` },
    });
    for (const action of ['workspace.created', 'workspace.updated', 'workspace.updated'] as const) {
      await audit.record({ action, workspaceId: workspace.id, actorId: null });
    }

    const page = await RequestContext.runCancellable({ requestId: newId() }, new AbortController(), () =>
      audit.list({ workspaceId }, 2),
    );
    expect(page.data.map((entry) => entry.action)).toEqual(['workspace.updated', 'workspace.updated']);
    expect(page.page.nextCursor).toEqual(expect.any(String));

    const gone = new AbortController();
    gone.abort(new RequestCancelledError('client_disconnected'));
    await expect(
      RequestContext.runCancellable({ requestId: newId() }, gone, () => audit.list({ workspaceId }, 2)),
    ).rejects.toBeInstanceOf(RequestCancelledError);
    await prisma.workspace.delete({ where: { id: workspaceId } });
  });

  it('leaves the pool intact after cancellations: a statement on every connection still answers', async () => {
    const rows = await Promise.all(
      Array.from({ length: 12 }, (_, i) => prisma.$queryRaw<{ n: number }[]>`SELECT ${i}::int AS n`),
    );
    expect(rows.map((r) => r[0]?.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});
