import { Injectable } from '@nestjs/common';
import type { Prisma } from '@groundwork/platform';

/**
 * What another context must do when an account is deleted, inside the deletion's
 * transaction (e.g. the workspaces context refuses while the user owns a workspace, and ends
 * their memberships). Contexts register a participant at start-up, so identity needs no
 * import of them (dependencies point inward).
 */
export interface AccountDeletionParticipant {
  beforeAccountDeleted(tx: Prisma.TransactionClient, userId: string): Promise<void>;
}

@Injectable()
export class AccountDeletionParticipants {
  private readonly participants: AccountDeletionParticipant[] = [];

  register(participant: AccountDeletionParticipant): void {
    this.participants.push(participant);
  }

  all(): readonly AccountDeletionParticipant[] {
    return this.participants;
  }
}
