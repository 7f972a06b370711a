import { Injectable } from '@nestjs/common';
import { AuditTrail, BackgroundTasks, DomainError, newId, OutboxService, PrismaService } from '@groundwork/platform';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { assertAcceptablePassword } from '../passwords/password-policy.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { hashToken, looksLikeOpaqueToken, newOpaqueToken } from '../tokens/opaque-token.js';
import { normalizeEmail } from '../users/normalize-email.js';

export const PASSWORD_RESET_TOKEN_TTL_MS = 60 * 60_000;

/**
 * Forgotten passwords. A request for an existing account becomes an event; the mail consumer
 * creates the token (only its hash is stored). A reset changes the password and ends every
 * session of the account.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditTrail,
    private readonly background: BackgroundTasks,
  ) {}

  /**
   * Always succeeds, at once: whether the email has an account is not the caller's business —
   * neither in the answer nor in how long it takes. The lookup and the event are written after
   * the answer (a background task), so a registered address costs the request no more than an
   * unknown one; a crash in between loses that one request, which the person can repeat.
   */
  request(email: string): Promise<void> {
    const normalized = normalizeEmail(email);
    this.background.run('password reset request', () => this.recordRequest(normalized));
    return Promise.resolve();
  }

  private async recordRequest(normalized: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { email: normalized }, select: { id: true, deletedAt: true } });
      if (!user || user.deletedAt !== null) return;
      await this.outbox.publish(tx, { type: 'user.password_reset_requested', data: { userId: user.id } });
      await this.audit.record({ action: 'password.reset_requested', userId: user.id, actorId: null }, tx);
    });
  }

  /** Called by the mail consumer: a fresh token whose hash is stored. */
  async issueToken(userId: string, eventId: string, now = new Date()): Promise<string> {
    const token = newOpaqueToken();
    await this.prisma.passwordResetToken.create({
      data: {
        id: newId(),
        userId,
        eventId,
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + PASSWORD_RESET_TOKEN_TTL_MS),
      },
    });
    return token;
  }

  async reset(token: string, password: string, now = new Date()): Promise<void> {
    const invalid = () => new DomainError('invalid_token', 'The reset token is invalid, used or expired.');
    if (!looksLikeOpaqueToken(token)) throw invalid();
    assertAcceptablePassword(password);
    // The token is checked before the password is hashed: an anonymous caller with a made-up
    // token must not be able to make the server spend argon2 work. The claim below still
    // decides (of two resets racing with one token, one wins).
    const live = await this.prisma.passwordResetToken.findFirst({
      where: { tokenHash: hashToken(token), usedAt: null, expiresAt: { gt: now } },
      select: { id: true },
    });
    if (!live) throw invalid();
    const passwordHash = await this.hasher.hash(password);
    await this.prisma.$transaction(async (tx) => {
      // The conditional update is the check: a token is spent once, even by concurrent requests.
      const claimed = await tx.passwordResetToken.updateManyAndReturn({
        where: { tokenHash: hashToken(token), usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
        select: { userId: true },
      });
      const userId = claimed[0]?.userId;
      if (!userId) throw invalid();
      await tx.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
      // Following the mailed link proves the address too.
      const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { emailVerifiedAt: true } });
      await tx.user.update({
        where: { id: userId },
        data: { passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? now },
      });
      await this.sessions.revokeAllOfUser(tx, userId, 'password_reset', now);
      await this.audit.record({ action: 'password.changed', userId, actorId: userId, details: { via: 'reset' } }, tx);
    });
  }

  async purgeStale(now = new Date()): Promise<number> {
    const dayAgo = new Date(now.getTime() - 86_400_000);
    const { count } = await this.prisma.passwordResetToken.deleteMany({
      where: { OR: [{ expiresAt: { lt: now } }, { usedAt: { lt: dayAgo } }] },
    });
    return count;
  }
}
