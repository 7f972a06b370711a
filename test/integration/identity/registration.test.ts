import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  DatabaseModule,
  DomainError,
  EventsModule,
  MetricsModule,
  OutboxService,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
  RequestContext,
  type EventType,
  type NewEvent,
  type Transaction,
  AuditModule,
} from '@groundwork/platform';
import { IdentityModule, PasswordHasher, RegistrationService } from '@groundwork/identity';

/** Counts the argon2id work registration spends, so the equal-timing promise can be checked. */
class CountingPasswordHasher extends PasswordHasher {
  hashes = 0;
  verifications = 0;

  override hash(password: string): Promise<string> {
    this.hashes += 1;
    return super.hash(password);
  }

  override verify(hashed: string, password: string): Promise<boolean> {
    this.verifications += 1;
    return super.verify(hashed, password);
  }
}

/** Writes the event, then fails: if the user row survives, it was not in the event's transaction. */
class FailingAfterWriteOutbox extends OutboxService {
  readonly written: string[] = [];

  override async publish<T extends EventType>(tx: Transaction, event: NewEvent<T>): Promise<string> {
    this.written.push(await super.publish(tx, event));
    throw new Error('outbox write failed after the insert');
  }
}

/**
 * The real platform (config from the run's env, PG, Redis) like test/support/platform-context.ts,
 * built here because these tests replace providers, which needs the builder before compile().
 */
async function identityModule(
  outbox?: OutboxService,
): Promise<{ moduleRef: TestingModule; hasher: CountingPasswordHasher }> {
  const hasher = new CountingPasswordHasher();
  let builder = Test.createTestingModule({
    imports: [
      PlatformConfigModule.forRoot('api'),
      DatabaseModule,
      RedisModule,
      MetricsModule,
      EventsModule,
      AuditModule,
      IdentityModule,
    ],
  })
    .overrideProvider(PasswordHasher)
    .useValue(hasher);
  if (outbox) builder = builder.overrideProvider(OutboxService).useValue(outbox);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return { moduleRef, hasher };
}

const PASSWORD = 'a sound passphrase 2026';

describe('RegistrationService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let hasher: CountingPasswordHasher;
  let prisma: PrismaService;
  let registration: RegistrationService;
  let queries = 0;
  const emails: string[] = [];

  /** A fresh address per test: `Local.Part-<uuid>@` with a mixed-case domain. */
  function freshEmail(): { typed: string; stored: string } {
    const local = `Ada.Lovelace-${randomUUID()}`;
    emails.push(`${local}@example.com`);
    return { typed: `  ${local}@Example.COM `, stored: `${local}@example.com` };
  }

  function eventsOf(userId: string, type: EventType) {
    return prisma.outboxEvent.findMany({ where: { type, data: { path: ['userId'], equals: userId } } });
  }

  async function expectDomainError(promise: Promise<unknown>, code: string): Promise<DomainError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(code);
    return error as DomainError;
  }

  beforeAll(async () => {
    ({ moduleRef, hasher } = await identityModule());
    prisma = moduleRef.get(PrismaService);
    registration = moduleRef.get(RegistrationService);
    prisma.$on('query', () => {
      queries += 1;
    });
  });

  beforeEach(() => {
    hasher.hashes = 0;
    hasher.verifications = 0;
    queries = 0;
  });

  afterAll(async () => {
    const users = await prisma.user.findMany({ where: { email: { in: emails } }, select: { id: true } });
    if (users.length > 0) {
      await prisma.outboxEvent.deleteMany({
        where: { OR: users.map((u) => ({ data: { path: ['userId'], equals: u.id } })) },
      });
    }
    await prisma.user.deleteMany({ where: { email: { in: emails } } });
    await moduleRef.close();
  });

  it('creates the user with the email normalised and the password stored only as an argon2id hash', async () => {
    const email = freshEmail();

    await registration.register({ email: email.typed, password: PASSWORD, name: '  Ada Lovelace ' });

    const user = await prisma.user.findUniqueOrThrow({ where: { email: email.stored } });
    expect(user.name).toBe('Ada Lovelace');
    expect(user.emailVerifiedAt).toBeNull();
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(new PasswordHasher().verify(user.passwordHash ?? '', PASSWORD)).resolves.toBe(true);
    const [row] = await prisma.$queryRaw<
      { row: string }[]
    >`SELECT u::text AS row FROM users u WHERE u.id = ${user.id}::uuid`;
    expect(row?.row).not.toContain(PASSWORD);
    expect(queries).toBeGreaterThan(0);
  });

  it('writes exactly one internal user.registered event naming the new user as data and actor', async () => {
    const email = freshEmail();

    await registration.register({ email: email.typed, password: PASSWORD, name: 'Ada' });

    const user = await prisma.user.findUniqueOrThrow({ where: { email: email.stored } });
    const events = await eventsOf(user.id, 'user.registered');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'user.registered',
      version: 1,
      visibility: 'internal',
      workspaceId: null,
      actorId: user.id,
      data: { userId: user.id },
      relayedAt: null,
    });
    expect(JSON.stringify(events[0]?.data)).not.toContain(PASSWORD);
    await expect(eventsOf(user.id, 'user.registration_repeated')).resolves.toEqual([]);
  });

  it('carries the request id and traceparent of the request context into the event', async () => {
    const email = freshEmail();
    const requestId = `req-${randomUUID()}`;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    await RequestContext.run({ requestId, traceparent }, () =>
      registration.register({ email: email.typed, password: PASSWORD, name: 'Ada' }),
    );

    const user = await prisma.user.findUniqueOrThrow({ where: { email: email.stored } });
    const [event] = await eventsOf(user.id, 'user.registered');
    expect(event).toMatchObject({ requestId, traceparent });
  });

  it('writes the user and its event in one transaction: a failed event write leaves no user', async () => {
    const outbox = new FailingAfterWriteOutbox();
    const failing = await identityModule(outbox);
    const email = freshEmail();
    try {
      const attempt = failing.moduleRef
        .get(RegistrationService)
        .register({ email: email.typed, password: PASSWORD, name: 'Ada' });

      await expect(attempt).rejects.toThrow('outbox write failed after the insert');

      expect(outbox.written).toHaveLength(1);
      await expect(prisma.user.findUnique({ where: { email: email.stored } })).resolves.toBeNull();
      await expect(prisma.outboxEvent.findUnique({ where: { id: outbox.written[0] } })).resolves.toBeNull();
    } finally {
      await failing.moduleRef.close();
    }
  });

  it('for an existing email whose domain case differs, creates no user and writes one user.registration_repeated event', async () => {
    const email = freshEmail();
    await registration.register({ email: email.stored, password: PASSWORD, name: 'Ada' });
    const existing = await prisma.user.findUniqueOrThrow({ where: { email: email.stored } });
    const local = email.stored.slice(0, email.stored.indexOf('@'));

    await registration.register({ email: `${local}@EXAMPLE.com`, password: 'another sound passphrase', name: 'Eve' });

    const users = await prisma.user.findMany({ where: { email: { equals: email.stored, mode: 'insensitive' } } });
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ id: existing.id, name: 'Ada', passwordHash: existing.passwordHash });
    const repeated = await eventsOf(existing.id, 'user.registration_repeated');
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toMatchObject({ visibility: 'internal', version: 1, data: { userId: existing.id } });
    await expect(eventsOf(existing.id, 'user.registered')).resolves.toHaveLength(1);
  });

  it('spends exactly one argon2id hash for a new email and for an existing one, and verifies nothing', async () => {
    const email = freshEmail();

    await registration.register({ email: email.typed, password: PASSWORD, name: 'Ada' });
    const forNew = { hashes: hasher.hashes, verifications: hasher.verifications };
    hasher.hashes = 0;
    hasher.verifications = 0;
    await registration.register({ email: email.typed, password: PASSWORD, name: 'Ada' });
    const forExisting = { hashes: hasher.hashes, verifications: hasher.verifications };

    expect(forNew).toEqual({ hashes: 1, verifications: 0 });
    expect(forExisting).toEqual(forNew);
  });

  it('turns 10 concurrent registrations of one fresh email into one user, one user.registered and nine user.registration_repeated events', async () => {
    const email = freshEmail();

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        registration.register({ email: email.typed, password: PASSWORD, name: `Racer ${i}` }),
      ),
    );

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const users = await prisma.user.findMany({ where: { email: email.stored } });
    expect(users).toHaveLength(1);
    const userId = users[0]?.id ?? '';
    await expect(eventsOf(userId, 'user.registered')).resolves.toHaveLength(1);
    await expect(eventsOf(userId, 'user.registration_repeated')).resolves.toHaveLength(9);
    expect(hasher.hashes).toBe(10);
  });

  it('refuses a policy-violating password with validation_failed before hashing or touching the database', async () => {
    const email = freshEmail();

    const error = await expectDomainError(
      registration.register({ email: email.typed, password: 'password1234', name: 'Ada' }),
      'validation_failed',
    );

    expect(error.errors).toEqual([{ field: 'password', message: 'password is too common; choose another one' }]);
    expect(hasher.hashes).toBe(0);
    expect(queries).toBe(0);
    await expect(prisma.user.findUnique({ where: { email: email.stored } })).resolves.toBeNull();
  });

  it('refuses a 1 MB password with validation_failed before hashing or touching the database', async () => {
    const email = freshEmail();

    await expectDomainError(
      registration.register({ email: email.typed, password: 'x'.repeat(1024 * 1024), name: 'Ada' }),
      'validation_failed',
    );

    expect(hasher.hashes).toBe(0);
    expect(queries).toBe(0);
    await expect(prisma.user.findUnique({ where: { email: email.stored } })).resolves.toBeNull();
  });
});
