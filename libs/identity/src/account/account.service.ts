import { Injectable } from '@nestjs/common';
import { DomainError, OutboxService, PrismaService, TwoLevelCache } from '@groundwork/platform';
import { AccountDeletionParticipants } from './account-deletion.js';

/**
 * The cache namespace of everything that shows users' display names (e.g. a task's assignee
 * in v2). Names change only when an account is deleted, rarely enough for one namespace for
 * all of them.
 */
export const USER_NAMES_CACHE_NAMESPACE = 'user-names';

/**
 * The cache namespace bumped whenever an account is deleted: whatever another context
 * remembers about what an account may do (its workspace roles) must not outlive the account.
 * One namespace for all accounts — deletions are rare.
 */
export const ACCOUNTS_CACHE_NAMESPACE = 'accounts';

/** The caller's own account: what `GET /v1/me` shows and what `DELETE /v1/me` erases. */
export interface Account {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  createdAt: Date;
}

@Injectable()
export class AccountService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly participants: AccountDeletionParticipants,
    private readonly cache: TwoLevelCache,
  ) {}

  async get(userId: string): Promise<Account> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { id: true, email: true, name: true, emailVerifiedAt: true, createdAt: true, deletedAt: true },
    });
    if (!user || user.deletedAt !== null) throw new DomainError('unauthenticated', 'The account no longer exists.');
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      emailVerified: user.emailVerifiedAt !== null,
      createdAt: user.createdAt,
    };
  }

  /**
   * Deletes the account: other contexts act first (and may refuse), then personal data is
   * erased — the row stays as a tombstone so ids in other records keep pointing somewhere —,
   * sign-in methods, tokens and the account's trail are deleted, and every session ends.
   */
  async delete(userId: string, now = new Date()): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId }, select: { deletedAt: true } });
      if (!user || user.deletedAt !== null) throw new DomainError('not_found', 'The account does not exist.');
      for (const participant of this.participants.all()) await participant.beforeAccountDeleted(tx, userId);
      await tx.user.update({
        where: { id: userId },
        data: {
          email: `deleted-${userId}@deleted.invalid`,
          name: 'Deleted user',
          passwordHash: null,
          deletedAt: now,
        },
      });
      await tx.oidcIdentity.deleteMany({ where: { userId } });
      await tx.emailVerificationToken.deleteMany({ where: { userId } });
      await tx.passwordResetToken.deleteMany({ where: { userId } });
      await tx.auditEvent.deleteMany({ where: { userId } });
      // Sessions hold addresses and user agents: they go, and with them every credential.
      await tx.authSession.deleteMany({ where: { userId } });
      await this.outbox.publish(tx, { type: 'user.deleted', data: { userId }, actorId: userId });
    });
    // The name becomes "Deleted user": cached representations that show it must not keep the old one.
    await this.cache.invalidate(USER_NAMES_CACHE_NAMESPACE);
    await this.cache.invalidate(ACCOUNTS_CACHE_NAMESPACE);
  }
}
