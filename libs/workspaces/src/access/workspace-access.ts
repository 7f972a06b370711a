import { Injectable } from '@nestjs/common';
import { isUuid, PrismaService } from '@groundwork/platform';
import type { WorkspaceRole } from './permissions.js';

/** Looks up a caller's role in a workspace: one primary-key read of the membership. */
@Injectable()
export class WorkspaceAccess {
  constructor(private readonly prisma: PrismaService) {}

  async roleOf(workspaceId: string, userId: string): Promise<WorkspaceRole | undefined> {
    if (!isUuid(workspaceId)) return undefined;
    const membership = await this.prisma.membership.findUnique({
      where: { workspaceId_userId: { workspaceId, userId } },
      select: { role: true },
    });
    return membership?.role;
  }
}
