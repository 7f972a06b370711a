import { Injectable } from '@nestjs/common';
import { PrismaService } from '@groundwork/platform';
import type { WorkspaceRole } from '../access/permissions.js';
import { apiKeySecretMatches, parseApiKey } from './api-key-secret.js';

export interface AuthenticatedApiKey {
  apiKeyId: string;
  workspaceId: string;
  role: WorkspaceRole;
  createdById: string;
}

/** How often the last-used time is written: often enough to be useful, not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Checks an API key on every request, from the database: a revoked or expired key stops
 * working with the next request (no cache to outlive a revocation).
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(private readonly prisma: PrismaService) {}

  async authenticate(presented: string, now = new Date()): Promise<AuthenticatedApiKey | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const key = await this.prisma.apiKey.findUnique({ where: { id: parsed.id } });
    if (!key || !apiKeySecretMatches(parsed.secret, key.secretHash)) return undefined;
    if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return undefined;
    if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    return { apiKeyId: key.id, workspaceId: key.workspaceId, role: key.role, createdById: key.createdById };
  }
}
