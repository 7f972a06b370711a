import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, DomainError, EventsModule, PrismaService } from '@groundwork/platform';
import { IdentityModule, OidcAccountLinker, type OidcClaims } from '@groundwork/identity';
import { platformTestingModule } from '../../support/platform-context.js';

function unique(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

function claimsFor(label: string, extra: Partial<OidcClaims> = {}): OidcClaims {
  return { sub: unique(`sub-${label}`), email: `${unique(label)}@Example.TEST`, email_verified: true, ...extra };
}

describe('OidcAccountLinker on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let linker: OidcAccountLinker;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [AuditModule, EventsModule, IdentityModule] });
    prisma = moduleRef.get(PrismaService);
    linker = moduleRef.get(OidcAccountLinker);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  async function refusal(promise: Promise<unknown>): Promise<DomainError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
    return error;
  }

  it('creates a verified, password-less account with the IdP name for a new verified email', async () => {
    const claims = claimsFor('ada', { name: 'Ada Lovelace' });

    const linked = await linker.link('test', claims);

    expect(linked.created).toBe(true);
    const user = await prisma.user.findUniqueOrThrow({ where: { id: linked.userId } });
    expect(user).toMatchObject({
      email: String(claims.email).replace('Example.TEST', 'example.test'),
      name: 'Ada Lovelace',
      passwordHash: null,
    });
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const identity = await prisma.oidcIdentity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'test', subject: claims.sub } },
    });
    expect(identity.userId).toBe(linked.userId);
    const trail = await prisma.auditEvent.findMany({ where: { userId: linked.userId }, select: { action: true } });
    expect(trail.map((e) => e.action)).toEqual(['oidc.linked']);
  });

  it("names an account without a name claim after the email's local part", async () => {
    const claims = claimsFor('grace');

    const { userId } = await linker.link('test', claims);

    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.name).toBe(String(claims.email).split('@')[0]);
  });

  it('links to an existing verified account with that email and keeps its password', async () => {
    const email = `${unique('existing')}@example.test`;
    const existing = await prisma.user.create({
      data: {
        id: crypto.randomUUID(),
        email,
        name: 'Existing',
        passwordHash: 'argon2-hash-placeholder',
        emailVerifiedAt: new Date(),
      },
    });
    const claims = claimsFor('existing', { email: email.replace('example.test', 'EXAMPLE.test') });

    const linked = await linker.link('test', claims);

    expect(linked).toEqual({ userId: existing.id, created: false });
    const user = await prisma.user.findUniqueOrThrow({ where: { id: existing.id } });
    expect(user.passwordHash).toBe('argon2-hash-placeholder');
    expect(await prisma.user.count({ where: { email } })).toBe(1);
  });

  it('pre-hijacking: linking to a never-verified account marks it verified, removes its password and ends its sessions', async () => {
    // Someone registered the address before its owner and chose the password.
    const email = `${unique('prehijack')}@example.test`;
    const squatted = await prisma.user.create({
      data: { id: crypto.randomUUID(), email, name: 'Squatter', passwordHash: 'the-squatters-hash' },
    });
    const sessionId = crypto.randomUUID();
    await prisma.authSession.create({
      data: {
        id: sessionId,
        userId: squatted.id,
        kind: 'bearer',
        method: 'password',
        expiresAt: new Date(Date.now() + 86_400_000),
        refreshTokens: {
          create: { id: crypto.randomUUID(), tokenHash: 'a'.repeat(64), expiresAt: new Date(Date.now() + 86_400_000) },
        },
      },
    });

    const linked = await linker.link('test', claimsFor('owner', { email }));

    expect(linked).toEqual({ userId: squatted.id, created: false });
    const user = await prisma.user.findUniqueOrThrow({ where: { id: squatted.id } });
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(user.passwordHash).toBeNull();
    const session = await prisma.authSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokedAt).toBeInstanceOf(Date);
    expect(await prisma.refreshToken.count({ where: { sessionId } })).toBe(0);
  });

  it.each([
    ['false', false],
    ['missing', undefined],
    ['the string "true"', 'true'],
  ])('refuses an identity whose email_verified is %s, creating and linking nothing', async (_label, verified) => {
    const claims = claimsFor('unverified', { email_verified: verified });

    const error = await refusal(linker.link('test', claims));

    expect(error.code).toBe('forbidden');
    expect(
      await prisma.user.count({ where: { email: String(claims.email).replace('Example.TEST', 'example.test') } }),
    ).toBe(0);
    expect(await prisma.oidcIdentity.count({ where: { subject: claims.sub } })).toBe(0);
  });

  it('does not link an unverified email to an existing account', async () => {
    const email = `${unique('victim')}@example.test`;
    await prisma.user.create({ data: { id: crypto.randomUUID(), email, name: 'Victim', passwordHash: 'x' } });

    const error = await refusal(linker.link('test', claimsFor('attacker', { email, email_verified: false })));

    expect(error.code).toBe('forbidden');
    expect(await prisma.oidcIdentity.count({ where: { email } })).toBe(0);
  });

  it('signs the same IdP account in as the same user every time, even after its email changes there', async () => {
    const claims = claimsFor('repeat');
    const first = await linker.link('test', claims);

    const second = await linker.link('test', { ...claims, email: `${unique('changed')}@example.test` });

    expect(second).toEqual({ userId: first.userId, created: false });
  });

  it('keeps identities of different providers apart even with the same subject', async () => {
    const claims = claimsFor('two-providers');
    const viaTest = await linker.link('test', claims);

    const viaOther = await linker.link('other', claims);

    expect(viaOther).toEqual({ userId: viaTest.userId, created: false });
    expect(await prisma.oidcIdentity.count({ where: { subject: claims.sub } })).toBe(2);
  });

  it('concurrent first logins of one person create exactly one account', async () => {
    const claims = claimsFor('race');

    const results = await Promise.all(Array.from({ length: 5 }, () => linker.link('test', claims)));

    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await prisma.oidcIdentity.count({ where: { subject: claims.sub } })).toBe(1);
  });

  it('concurrent first logins through two providers with one verified email end on one account', async () => {
    const email = `${unique('race-two')}@example.test`;

    const results = await Promise.all([
      linker.link('test', claimsFor('a', { email })),
      linker.link('other', claimsFor('b', { email })),
    ]);

    expect(results[0].userId).toBe(results[1].userId);
    expect(await prisma.user.count({ where: { email } })).toBe(1);
  });
});
