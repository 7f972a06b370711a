import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DomainError, EventsModule, newId, PrismaService } from '@groundwork/platform';
import { EmailVerificationService, IdentityModule, VERIFICATION_TOKEN_TTL_MS } from '@groundwork/identity';
import { platformTestingModule } from '../../support/platform-context.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

describe('EmailVerificationService on PostgreSQL', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let verification: EmailVerificationService;
  let queries = 0;
  const userIds: string[] = [];

  async function createUser(): Promise<string> {
    const id = newId();
    userIds.push(id);
    await prisma.user.create({ data: { id, email: `verify-${randomUUID()}@example.com`, name: 'Ada' } });
    return id;
  }

  /** The DomainError code a call failed with, or 'resolved'. */
  async function outcome(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'resolved';
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
  }

  function verifiedEvents(userId: string) {
    return prisma.outboxEvent.findMany({
      where: { type: 'user.email_verified', data: { path: ['userId'], equals: userId } },
    });
  }

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [IdentityModule, EventsModule] });
    prisma = moduleRef.get(PrismaService);
    verification = moduleRef.get(EmailVerificationService);
    prisma.$on('query', () => {
      queries += 1;
    });
  });

  beforeEach(() => {
    queries = 0;
  });

  afterAll(async () => {
    if (userIds.length > 0) {
      await prisma.outboxEvent.deleteMany({
        where: { OR: userIds.map((id) => ({ data: { path: ['userId'], equals: id } })) },
      });
    }
    // Tokens go with their users (ON DELETE CASCADE).
    await prisma.user.deleteMany({ where: { id: { in: userIds } } });
    await moduleRef.close();
  });

  it('issueToken stores only the SHA-256 of the token: the token itself appears in no column', async () => {
    const userId = await createUser();
    const eventId = newId();
    const now = new Date('2026-03-01T10:00:00.000Z');

    const token = await verification.issueToken(userId, eventId, now);

    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await prisma.emailVerificationToken.findUniqueOrThrow({ where: { tokenHash: sha256Hex(token) } });
    expect(row).toMatchObject({
      userId,
      eventId,
      usedAt: null,
      expiresAt: new Date(now.getTime() + VERIFICATION_TOKEN_TTL_MS),
    });
    const rows = await prisma.$queryRaw<{ row: string }[]>`
      SELECT t::text AS row FROM email_verification_tokens t WHERE t.user_id = ${userId}::uuid
      UNION ALL SELECT u::text FROM users u WHERE u.id = ${userId}::uuid`;
    expect(rows).toHaveLength(2);
    for (const { row: text } of rows) expect(text).not.toContain(token);
  });

  it('issues a different token on every call', async () => {
    const userId = await createUser();

    const first = await verification.issueToken(userId, newId());
    const second = await verification.issueToken(userId, newId());

    expect(first).not.toBe(second);
  });

  it('verify marks the user verified, spends the token and its siblings, and publishes user.email_verified', async () => {
    const userId = await createUser();
    const otherUserId = await createUser();
    const token = await verification.issueToken(userId, newId());
    await verification.issueToken(userId, newId());
    await verification.issueToken(otherUserId, newId());
    const now = new Date();

    await verification.verify(token, now);

    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.emailVerifiedAt).toEqual(now);
    const tokens = await prisma.emailVerificationToken.findMany({ where: { userId } });
    expect(tokens).toHaveLength(2);
    expect(tokens.map((t) => t.usedAt)).toEqual([now, now]);
    const otherTokens = await prisma.emailVerificationToken.findMany({ where: { userId: otherUserId } });
    expect(otherTokens.map((t) => t.usedAt)).toEqual([null]);
    const events = await verifiedEvents(userId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ visibility: 'internal', actorId: userId, data: { userId } });
    await expect(prisma.user.findUniqueOrThrow({ where: { id: otherUserId } })).resolves.toMatchObject({
      emailVerifiedAt: null,
    });
  });

  it('refuses the same token a second time with invalid_token and publishes no second event', async () => {
    const userId = await createUser();
    const token = await verification.issueToken(userId, newId());
    await verification.verify(token);

    await expect(outcome(verification.verify(token))).resolves.toBe('invalid_token');

    await expect(verifiedEvents(userId)).resolves.toHaveLength(1);
  });

  it('refuses a sibling token after another token of the user was used', async () => {
    const userId = await createUser();
    const first = await verification.issueToken(userId, newId());
    const sibling = await verification.issueToken(userId, newId());
    await verification.verify(first);

    await expect(outcome(verification.verify(sibling))).resolves.toBe('invalid_token');
  });

  it('refuses an expired token with invalid_token and leaves the user unverified', async () => {
    const userId = await createUser();
    const issuedAt = new Date(Date.now() - VERIFICATION_TOKEN_TTL_MS - HOUR_MS);
    const token = await verification.issueToken(userId, newId(), issuedAt);

    await expect(outcome(verification.verify(token))).resolves.toBe('invalid_token');

    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.emailVerifiedAt).toBeNull();
    await expect(verifiedEvents(userId)).resolves.toEqual([]);
  });

  it('refuses a token at the very instant it expires', async () => {
    const userId = await createUser();
    const issuedAt = new Date('2026-03-01T10:00:00.000Z');
    const token = await verification.issueToken(userId, newId(), issuedAt);

    const atExpiry = new Date(issuedAt.getTime() + VERIFICATION_TOKEN_TTL_MS);

    await expect(outcome(verification.verify(token, atExpiry))).resolves.toBe('invalid_token');
  });

  it('refuses a well-formed token that was never issued with invalid_token', async () => {
    await expect(outcome(verification.verify(randomBytes(32).toString('base64url')))).resolves.toBe('invalid_token');
  });

  it.each([
    ['too short', 'abc123'],
    ['bad characters', `${'a'.repeat(30)}!@#$%^&*()`],
    ['padding and slashes of plain base64', `${randomBytes(32).toString('base64')}`],
    ['1 MB long', 'a'.repeat(1024 * 1024)],
    ['empty', ''],
  ])('refuses a malformed token (%s) with invalid_token without a query', async (_kind, token) => {
    await expect(outcome(verification.verify(token))).resolves.toBe('invalid_token');

    expect(queries).toBe(0);
  });

  it('counts the queries it makes (the malformed-token check is not vacuous)', async () => {
    await outcome(verification.verify(randomBytes(32).toString('base64url')));

    expect(queries).toBeGreaterThan(0);
  });

  it('lets exactly one of 10 concurrent verifications with one token succeed', async () => {
    const userId = await createUser();
    const token = await verification.issueToken(userId, newId());

    const outcomes = await Promise.all(Array.from({ length: 10 }, () => outcome(verification.verify(token))));

    expect(outcomes.filter((o) => o === 'resolved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'invalid_token')).toHaveLength(9);
    await expect(verifiedEvents(userId)).resolves.toHaveLength(1);
  });

  it('purgeStale deletes expired tokens and tokens used over a day ago, and keeps the rest', async () => {
    const userId = await createUser();
    const now = new Date();
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    const token = (label: string, expiresAt: Date, usedAt: Date | null) => ({
      label,
      id: newId(),
      userId,
      eventId: newId(),
      tokenHash: sha256Hex(`${label}-${randomUUID()}`),
      expiresAt,
      usedAt,
    });
    const stale = [
      token('expired, unused', at(-HOUR_MS), null),
      token('expired, used', at(-HOUR_MS), at(-2 * HOUR_MS)),
      token('used over a day ago, not expired', at(HOUR_MS), at(-DAY_MS - HOUR_MS)),
    ];
    const kept = [
      token('fresh, unused', at(DAY_MS), null),
      token('used an hour ago, not expired', at(DAY_MS), at(-HOUR_MS)),
    ];
    await prisma.emailVerificationToken.createMany({
      data: [...stale, ...kept].map(({ label: _label, ...row }) => row),
    });

    const deleted = await verification.purgeStale(now);

    const left = await prisma.emailVerificationToken.findMany({ where: { userId }, select: { id: true } });
    expect(left.map((t) => t.id).sort()).toEqual(kept.map((t) => t.id).sort());
    // Other suites may share the database, so the count is at least ours.
    expect(deleted).toBeGreaterThanOrEqual(stale.length);
  });
});
