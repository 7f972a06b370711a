import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import jwt from 'jsonwebtoken';
import { AccessTokens, IdentityModule, SessionsService, type TokenPair } from '@groundwork/identity';
import { DomainError, EventsModule, newId, PrismaService } from '@groundwork/platform';
import { platformTestingModule } from '../../support/platform-context.js';

/** Sessions and refresh-token rotation on real PostgreSQL: the rules the HTTP layer relies on. */
describe('SessionsService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let sessions: SessionsService;
  let tokens: AccessTokens;
  const userIds: string[] = [];

  async function createUser(): Promise<string> {
    const id = newId();
    userIds.push(id);
    await prisma.user.create({
      data: { id, email: `sessions-${randomUUID()}@example.com`, name: 'Ada', emailVerifiedAt: new Date() },
    });
    return id;
  }

  async function bearer(userId: string): Promise<{ sessionId: string; tokens: TokenPair }> {
    const opened = await sessions.open(userId, { kind: 'bearer', method: 'password' });
    if (opened.kind !== 'bearer') throw new Error('expected a bearer session');
    return opened;
  }

  async function failure(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'resolved';
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
  }

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [IdentityModule, EventsModule] });
    prisma = moduleRef.get(PrismaService);
    sessions = moduleRef.get(SessionsService);
    tokens = moduleRef.get(AccessTokens);
  });

  afterAll(async () => {
    await prisma.auditEvent.deleteMany({ where: { userId: { in: userIds } } });
    await prisma.user.deleteMany({ where: { id: { in: userIds } } });
    await moduleRef.close();
  });

  it('issues an ES256 access token with the documented claims, signed by the key its kid names', async () => {
    const userId = await createUser();
    const { sessionId, tokens: pair } = await bearer(userId);
    const decoded = jwt.decode(pair.accessToken, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    expect(decoded?.payload).toMatchObject({
      sub: userId,
      sid: sessionId,
      aud: 'groundwork-api',
      iss: tokens.issuer,
    });
    const payload = decoded?.payload as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(900);
    const key = tokens.publicKey(String(decoded?.header.kid));
    expect(key).toBeDefined();
    expect(() => jwt.verify(pair.accessToken, key as never, { algorithms: ['ES256'] })).not.toThrow();
    expect(tokens.jwks().keys.map((k) => k.kid)).toContain(decoded?.header.kid);
  });

  it('stores refresh tokens only as SHA-256 hashes', async () => {
    const { sessionId, tokens: pair } = await bearer(await createUser());
    const stored = await prisma.refreshToken.findMany({ where: { sessionId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(pair.refreshToken);
    expect(Buffer.from(pair.refreshToken, 'base64url')).toHaveLength(32);
  });

  it('rotates a refresh token: the new pair works, the old token is dead', async () => {
    const { sessionId, tokens: first } = await bearer(await createUser());
    const second = await sessions.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(jwt.decode(second.accessToken)).toMatchObject({ sid: sessionId });
    const third = await sessions.refresh(second.refreshToken);
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect(await sessions.isActive(sessionId)).toBe(true);
  });

  it('revokes the whole family when a rotated refresh token is presented again, and records it', async () => {
    const userId = await createUser();
    const { sessionId, tokens: first } = await bearer(userId);
    const second = await sessions.refresh(first.refreshToken);

    expect(await failure(sessions.refresh(first.refreshToken))).toBe('unauthenticated');

    // The legitimate holder's newest token dies with the family.
    expect(await failure(sessions.refresh(second.refreshToken))).toBe('unauthenticated');
    expect(await sessions.isActive(sessionId)).toBe(false);
    const session = await prisma.authSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.revokeReason).toBe('refresh_token_reused');
    const trail = await prisma.auditEvent.findMany({ where: { userId, action: 'refresh_token.reused' } });
    expect(trail).toHaveLength(1);
  });

  it('lets exactly one of two concurrent refreshes with the same token win; the loser revokes the family', async () => {
    const { sessionId, tokens: pair } = await bearer(await createUser());
    const outcomes = await Promise.all([
      failure(sessions.refresh(pair.refreshToken)),
      failure(sessions.refresh(pair.refreshToken)),
    ]);
    expect(outcomes.sort()).toEqual(['resolved', 'unauthenticated']);
    expect(await sessions.isActive(sessionId)).toBe(false);
  });

  it('refuses malformed and unknown refresh tokens without touching any session', async () => {
    expect(await failure(sessions.refresh('not a token'))).toBe('unauthenticated');
    expect(await failure(sessions.refresh('A'.repeat(43)))).toBe('unauthenticated');
    expect(await failure(sessions.refresh('x'.repeat(5000)))).toBe('unauthenticated');
  });

  it('ends every session of a user at once (password reset), bearer and cookie alike', async () => {
    const userId = await createUser();
    const a = await bearer(userId);
    const b = await sessions.open(userId, { kind: 'cookie', method: 'password' });
    await prisma.$transaction((tx) => sessions.revokeAllOfUser(tx, userId, 'password_reset'));
    expect(await failure(sessions.refresh(a.tokens.refreshToken))).toBe('unauthenticated');
    // Another instance's memory of "active" lasts at most SESSION_STATUS_TTL_MS; this instance
    // asks the database because it never cached these sessions.
    expect(await sessions.isActive(a.sessionId)).toBe(false);
    expect(await sessions.isActive(b.sessionId)).toBe(false);
  });

  it('records each login in the account’s security trail with its method', async () => {
    const userId = await createUser();
    await bearer(userId);
    const trail = await prisma.auditEvent.findMany({ where: { userId, action: 'login.succeeded' } });
    expect(trail).toHaveLength(1);
    expect(trail[0]?.details).toEqual({ method: 'password', kind: 'bearer' });
  });
});
