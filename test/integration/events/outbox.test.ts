import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { IDENTITY_EVENTS, type UserRegisteredPayload } from '@groundwork/identity';
import {
  type EventType,
  EventsModule,
  InvalidEventPayloadError,
  newId,
  OutboxService,
  PrismaService,
  RequestContext,
  UnknownEventTypeError,
} from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';
import { createMigratedDatabase, dropDatabase, randomDatabaseName } from '../../support/test-database.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A domain change that could not be committed, carried out of the transaction. */
class Rollback extends Error {
  constructor(readonly eventId: string) {
    super('rolled back on purpose');
  }
}

/**
 * The transactional outbox on real PostgreSQL: the event is written inside the caller's
 * transaction, with the request's context, and only if its payload matches its schema.
 * Its own database: the events it publishes are real ones, which a worker started by
 * another test file on the run's database would otherwise relay and mail.
 */
describe('OutboxService.publish', () => {
  const basePrefix = process.env.REDIS_KEY_PREFIX;
  const baseDatabaseUrl = process.env.DATABASE_URL;
  const databaseName = randomDatabaseName('gw_it_outbox');
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let outbox: OutboxService;

  beforeAll(async () => {
    process.env.DATABASE_URL = await createMigratedDatabase(databaseName);
    process.env.REDIS_KEY_PREFIX = `${basePrefix}:outbox-publish`;
    moduleRef = await platformTestingModule({ imports: [EventsModule] });
    prisma = moduleRef.get(PrismaService);
    outbox = moduleRef.get(OutboxService);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await dropDatabase(databaseName);
    process.env.DATABASE_URL = baseDatabaseUrl;
    process.env.REDIS_KEY_PREFIX = basePrefix;
  });

  function newUser(): { id: string; email: string; name: string } {
    const id = newId();
    return { id, email: `outbox-${id}@example.test`, name: 'Outbox Test' };
  }

  it('writes the whole envelope in the caller transaction, with the request id and trace of the context', async () => {
    const user = newUser();
    const before = Date.now();

    const eventId = await RequestContext.run({ requestId: 'r-1', traceparent: TRACEPARENT }, () =>
      prisma.$transaction(async (tx) => {
        await tx.user.create({ data: user });
        return outbox.publish(tx, { type: 'user.registered', data: { userId: user.id }, actorId: user.id });
      }),
    );
    const after = Date.now();

    const row = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(row.id).toMatch(UUID_V7);
    // UUID v7 starts with its creation time in milliseconds.
    const idTime = parseInt(row.id.replace(/-/g, '').slice(0, 12), 16);
    expect(idTime).toBeGreaterThanOrEqual(before);
    expect(idTime).toBeLessThanOrEqual(after);
    expect(row).toMatchObject({
      type: 'user.registered',
      version: IDENTITY_EVENTS['user.registered'].version,
      visibility: IDENTITY_EVENTS['user.registered'].visibility,
      workspaceId: null,
      actorId: user.id,
      data: { userId: user.id },
      requestId: 'r-1',
      traceparent: TRACEPARENT,
    });
    expect(row.visibility).toBe('internal');
    expect(row.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(row.occurredAt.getTime()).toBeLessThanOrEqual(after);
    expect(await prisma.user.count({ where: { id: user.id } })).toBe(1);
  });

  it('takes the actor from the context and leaves request id and trace empty outside a request', async () => {
    const user = newUser();
    const inRequest = await RequestContext.run({ requestId: 'r-2', userId: user.id }, () =>
      prisma.$transaction(async (tx) => {
        await tx.user.create({ data: user });
        return outbox.publish(tx, { type: 'user.email_verified', data: { userId: user.id } });
      }),
    );
    const outside = await prisma.$transaction((tx) =>
      outbox.publish(tx, { type: 'user.registration_repeated', data: { userId: user.id } }),
    );

    const rows = await prisma.outboxEvent.findMany({ where: { id: { in: [inRequest, outside] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(inRequest)).toMatchObject({ actorId: user.id, requestId: 'r-2', traceparent: null });
    expect(byId.get(outside)).toMatchObject({ actorId: null, requestId: null, traceparent: null });
  });

  it.each([
    ['without userId', 'userId', () => ({})],
    ['whose userId is not a UUID', 'userId', () => ({ userId: 'not-a-uuid' })],
    ['with a field its schema does not declare', 'token', (userId: string) => ({ userId, token: 'a-secret' })],
  ])(
    'rejects a payload %s at publish time, and the transaction commits neither event nor domain row',
    async (_case, field, payloadFor) => {
      const user = newUser();
      const requestId = `r-invalid-${newId()}`;
      let published: string | undefined;

      const attempt = RequestContext.run({ requestId }, () =>
        prisma.$transaction(async (tx) => {
          await tx.user.create({ data: user });
          published = await outbox.publish(tx, {
            type: 'user.registered',
            data: payloadFor(user.id) as unknown as UserRegisteredPayload,
          });
        }),
      );

      await expect(attempt).rejects.toBeInstanceOf(InvalidEventPayloadError);
      await expect(attempt).rejects.toThrow(new RegExp(`^event user\\.registered has an invalid payload: ${field}: `));
      expect(published).toBeUndefined();
      expect(await prisma.user.count({ where: { id: user.id } })).toBe(0);
      expect(await prisma.outboxEvent.count({ where: { requestId } })).toBe(0);
    },
  );

  it('rejects an event type no loaded context defines, and the transaction commits nothing', async () => {
    const user = newUser();
    const requestId = `r-unknown-${newId()}`;

    const attempt = RequestContext.run({ requestId }, () =>
      prisma.$transaction(async (tx) => {
        await tx.user.create({ data: user });
        await outbox.publish(tx, { type: 'user.teleported' as EventType, data: { userId: user.id } as never });
      }),
    );

    await expect(attempt).rejects.toBeInstanceOf(UnknownEventTypeError);
    expect(await prisma.user.count({ where: { id: user.id } })).toBe(0);
    expect(await prisma.outboxEvent.count({ where: { requestId } })).toBe(0);
  });

  it('leaves no event when the surrounding transaction rolls back', async () => {
    const user = newUser();

    const attempt = prisma.$transaction(async (tx) => {
      await tx.user.create({ data: user });
      const eventId = await outbox.publish(tx, { type: 'user.registered', data: { userId: user.id } });
      // The event was written inside the transaction: visible there, until the rollback.
      expect(await tx.outboxEvent.count({ where: { id: eventId } })).toBe(1);
      throw new Rollback(eventId);
    });

    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Rollback);
    const { eventId } = error as Rollback;
    expect(eventId).toMatch(UUID_V7);
    expect(await prisma.outboxEvent.count({ where: { id: eventId } })).toBe(0);
    expect(await prisma.user.count({ where: { id: user.id } })).toBe(0);
  });
});
