import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, DomainError, EventsModule, PrismaService, RequestContext } from '@groundwork/platform';
import { IdentityModule, LoginService, PasswordHasher } from '@groundwork/identity';
import { platformTestingModule } from '../../support/platform-context.js';

describe('LoginService on PostgreSQL and Redis', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let logins: LoginService;
  let hasher: PasswordHasher;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [AuditModule, EventsModule, IdentityModule] });
    prisma = moduleRef.get(PrismaService);
    logins = moduleRef.get(LoginService);
    hasher = moduleRef.get(PasswordHasher);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  /** Each attempt from its own address, as a botnet would: only the per-account limit applies. */
  function attempt(email: string, password: string, ip: string): Promise<string> {
    return RequestContext.run({ requestId: randomBytes(8).toString('hex'), client: { ip } }, () =>
      logins.login({ email, password, kind: 'bearer' }).then(
        () => 'signed-in',
        (error: unknown) => (error instanceof DomainError ? error.code : `unexpected: ${String(error)}`),
      ),
    );
  }

  it('a parallel burst of wrong passwords gets exactly 5 guesses per account; the rest are refused before hashing', async () => {
    const email = `burst-${randomBytes(5).toString('hex')}@example.test`;
    await prisma.user.create({
      data: {
        id: crypto.randomUUID(),
        email,
        name: 'Burst',
        passwordHash: await hasher.hash('the right horse battery'),
        emailVerifiedAt: new Date(),
      },
    });

    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => attempt(email, `wrong guess ${i}`, `198.51.100.${i + 1}`)),
    );

    expect(outcomes.filter((o) => o === 'unauthenticated')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(25);
    // The right password is refused too now: the account's five guesses are spent.
    expect(await attempt(email, 'the right horse battery', '198.51.100.200')).toBe('rate_limited');
  });

  it('an unknown email is limited exactly like a registered one', async () => {
    const email = `nobody-${randomBytes(5).toString('hex')}@example.test`;

    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(email, `guess ${i}`, `203.0.113.${i + 1}`)),
    );

    expect(outcomes.filter((o) => o === 'unauthenticated')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(7);
  });

  it('a success forgives the account’s failures but does not spend the address’s budget', async () => {
    const email = `forgive-${randomBytes(5).toString('hex')}@example.test`;
    await prisma.user.create({
      data: {
        id: crypto.randomUUID(),
        email,
        name: 'Forgive',
        passwordHash: await hasher.hash('the right horse battery'),
        emailVerifiedAt: new Date(),
      },
    });
    const ip = `192.0.2.${1 + ((randomBytes(1)[0] ?? 0) % 250)}`;

    for (let i = 0; i < 4; i += 1) expect(await attempt(email, `wrong ${i}`, ip)).toBe('unauthenticated');
    expect(await attempt(email, 'the right horse battery', ip)).toBe('signed-in');

    const after = [];
    for (let i = 0; i < 5; i += 1) after.push(await attempt(email, `wrong again ${i}`, ip));
    expect(after).toEqual(Array.from({ length: 5 }, () => 'unauthenticated'));
  });
});
