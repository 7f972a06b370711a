import { Injectable } from '@nestjs/common';
import { type CacheVersions, PrismaService } from '@groundwork/platform';
import { lowerRole, type WorkspaceRole } from '../access/permissions.js';
import { WorkspaceAccess } from '../access/workspace-access.js';
import { apiKeySecretMatches, parseApiKey } from './api-key-secret.js';

export interface AuthenticatedApiKey {
  apiKeyId: string;
  workspaceId: string;
  /** The key's role, capped at its creator's current role in the workspace. */
  role: WorkspaceRole;
  createdById: string;
}

/** How often the last-used time is written: often enough to be useful, not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Checks an API key on every request, from the database: a revoked or expired key stops
 * working with the next request (no cache to outlive a revocation). A key acts for its
 * creator and never above them: its role is capped at the creator's current role (read
 * through the same versioned role lookup as every member's request), and a creator who left
 * the workspace — or whose account is gone — takes their keys with them.
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: WorkspaceAccess,
  ) {}

  async authenticate(
    presented: string,
    now = new Date(),
    versions?: CacheVersions,
  ): Promise<AuthenticatedApiKey | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const key = await this.prisma.apiKey.findUnique({ where: { id: parsed.id } });
    if (!key || !apiKeySecretMatches(parsed.secret, key.secretHash)) return undefined;
    if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return undefined;
    const creatorRole = await this.access.roleOf(key.workspaceId, key.createdById, versions);
    if (creatorRole === undefined) return undefined;
    if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    return {
      apiKeyId: key.id,
      workspaceId: key.workspaceId,
      role: lowerRole(key.role, creatorRole),
      createdById: key.createdById,
    };
  }

  /**
   * The role a key authenticated earlier still acts with — undefined once it is revoked,
   * expired, or its creator left — for connections that outlive the request that opened them.
   * A database error is thrown, never taken for an answer.
   */
  async currentRole(apiKeyId: string, now = new Date()): Promise<WorkspaceRole | undefined> {
    const key = await this.prisma.apiKey.findUnique({
      where: { id: apiKeyId },
      select: { workspaceId: true, createdById: true, role: true, revokedAt: true, expiresAt: true },
    });
    if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return undefined;
    const creatorRole = await this.access.roleOf(key.workspaceId, key.createdById);
    return creatorRole === undefined ? undefined : lowerRole(key.role, creatorRole);
  }
}
