import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type AccountDeletionParticipant, AccountDeletionParticipants } from '@groundwork/identity';
import { AuditTrail, DomainError, OutboxService, type Transaction } from '@groundwork/platform';

/**
 * The workspaces context's part in deleting an account (identity calls it inside the
 * deletion's transaction): refused while the user owns a workspace — it would be left without
 * an owner —, otherwise every membership ends, announced per workspace.
 */
@Injectable()
export class WorkspaceAccountDeletion implements AccountDeletionParticipant, OnModuleInit {
  constructor(
    private readonly participants: AccountDeletionParticipants,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async beforeAccountDeleted(tx: Transaction, userId: string): Promise<void> {
    // The same workspace locks as transfers and role changes, taken in id order so concurrent
    // deletions cannot deadlock: no transfer can make this user an owner after the check.
    await tx.$queryRaw`
      SELECT w.id FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
      WHERE m.user_id = ${userId}::uuid ORDER BY w.id FOR UPDATE OF w`;
    const memberships = await tx.membership.findMany({ where: { userId }, select: { workspaceId: true, role: true } });
    const owned = memberships.filter((m) => m.role === 'owner').map((m) => m.workspaceId);
    if (owned.length > 0) {
      throw new DomainError(
        'conflict',
        'You own a workspace: transfer its ownership or delete it before deleting your account.',
        { extensions: { ownedWorkspaceIds: owned } },
      );
    }
    await tx.membership.deleteMany({ where: { userId } });
    for (const { workspaceId, role } of memberships) {
      await this.outbox.publish(tx, { type: 'member.removed', data: { userId }, workspaceId, actorId: userId });
      await this.audit.record(
        {
          action: 'member.removed',
          workspaceId,
          actorId: userId,
          details: { userId, role, reason: 'account_deleted' },
        },
        tx,
      );
    }
  }
}
