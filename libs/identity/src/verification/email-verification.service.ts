import { Injectable } from '@nestjs/common';
import { DomainError, newId, OutboxService, PrismaService } from '@groundwork/platform';
import { hashToken, looksLikeOpaqueToken, newOpaqueToken } from '../tokens/opaque-token.js';

export const VERIFICATION_TOKEN_TTL_MS = 48 * 3_600_000;

/**
 * Email verification tokens. The mail consumer issues a token while it sends the mail; only
 * its SHA-256 is stored, so the token exists in clear only in that mail.
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
  ) {}

  /** A fresh 256-bit token for the user; every issued token stays valid until it expires or one is used. */
  async issueToken(userId: string, eventId: string, now = new Date()): Promise<string> {
    const token = newOpaqueToken();
    await this.prisma.emailVerificationToken.create({
      data: {
        id: newId(),
        userId,
        eventId,
        tokenHash: hashToken(token),
        expiresAt: new Date(now.getTime() + VERIFICATION_TOKEN_TTL_MS),
      },
    });
    return token;
  }

  /** Marks the account verified; the token and its siblings are then spent. */
  async verify(token: string, now = new Date()): Promise<void> {
    const invalid = () => new DomainError('invalid_token', 'The verification token is invalid or has expired.');
    if (!looksLikeOpaqueToken(token)) throw invalid();
    await this.prisma.$transaction(async (tx) => {
      // The conditional update is the check: a token is spent once, even by concurrent requests.
      const claimed = await tx.emailVerificationToken.updateManyAndReturn({
        where: { tokenHash: hashToken(token), usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
        select: { userId: true },
      });
      const userId = claimed[0]?.userId;
      if (!userId) throw invalid();
      await tx.emailVerificationToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
      const user = await tx.user.update({ where: { id: userId }, data: { emailVerifiedAt: now } });
      await this.outbox.publish(tx, { type: 'user.email_verified', data: { userId: user.id }, actorId: user.id });
    });
  }

  /** Deletes tokens that expired or were used more than a day ago. */
  async purgeStale(now = new Date()): Promise<number> {
    const dayAgo = new Date(now.getTime() - 86_400_000);
    const { count } = await this.prisma.emailVerificationToken.deleteMany({
      where: { OR: [{ expiresAt: { lt: now } }, { usedAt: { lt: dayAgo } }] },
    });
    return count;
  }
}
