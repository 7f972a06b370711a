import { Injectable } from '@nestjs/common';
import { AuditTrail, DomainError, isUuid, newId, type Page, pageById, PrismaService } from '@groundwork/platform';
import { roleAtLeast, type WorkspaceRole } from '../access/permissions.js';
import { assertActorAllows, type WorkspaceActor } from '../access/workspace-actor.js';
import { newApiKeySecret } from './api-key-secret.js';

/** Roles a key may carry: a key never owns a workspace (there is exactly one owner, a person). */
export const API_KEY_ROLES = ['admin', 'member', 'viewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeySummary {
  id: string;
  name: string;
  role: WorkspaceRole;
  prefix: string;
  createdById: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeySummary {
  /** `gw_<id>_<secret>`: returned once, stored only as a hash. */
  secret: string;
}

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  expiresAt?: Date;
}

const SELECT = {
  id: true,
  name: true,
  role: true,
  prefix: true,
  createdById: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
} as const;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditTrail,
  ) {}

  /** Keys are made by people (keys never manage keys): a key minting keys would outlive its own revocation. */
  async create(
    workspaceId: string,
    creator: WorkspaceActor,
    request: NewApiKey,
    now = new Date(),
  ): Promise<CreatedApiKey> {
    assertActorAllows(creator, 'api_keys:manage');
    if (!roleAtLeast(creator.role, request.role)) {
      throw new DomainError('forbidden', `A key cannot carry a role (${request.role}) above yours (${creator.role}).`);
    }
    if (request.expiresAt !== undefined && request.expiresAt <= now) {
      throw new DomainError('validation_failed', 'The request has invalid fields.', {
        errors: [{ field: 'expiresAt', message: 'expiresAt must be in the future' }],
      });
    }
    const id = newId();
    const { key, secretHash, prefix } = newApiKeySecret(id);
    const created = await this.prisma.$transaction(async (tx) => {
      const row = await tx.apiKey.create({
        data: {
          id,
          workspaceId,
          name: request.name,
          role: request.role,
          prefix,
          secretHash,
          createdById: creator.userId,
          expiresAt: request.expiresAt ?? null,
        },
        select: SELECT,
      });
      await this.audit.record(
        { action: 'api_key.created', workspaceId, details: { apiKeyId: id, name: request.name, role: request.role } },
        tx,
      );
      return row;
    });
    return { ...created, secret: key };
  }

  /** The workspace's live keys, newest first (revoked ones are gone from the list). */
  async list(workspaceId: string, limit: number, cursor?: string): Promise<Page<ApiKeySummary>> {
    return pageById(
      { scope: ['api-keys', workspaceId], limit, cursor, order: 'desc' },
      ({ after, orderBy, take }) =>
        this.prisma.apiKey.findMany({
          where: { workspaceId, revokedAt: null, ...after },
          orderBy,
          take,
          select: SELECT,
        }),
      (row) => row,
    );
  }

  async get(workspaceId: string, keyId: string): Promise<ApiKeySummary> {
    const key = isUuid(keyId)
      ? await this.prisma.apiKey.findFirst({ where: { id: keyId, workspaceId, revokedAt: null }, select: SELECT })
      : null;
    if (!key) throw new DomainError('not_found', 'The API key does not exist in this workspace.');
    return key;
  }

  /** Revokes at once: the next request with the key is refused (keys are checked per request). */
  async revoke(workspaceId: string, keyId: string, actor: WorkspaceActor, now = new Date()): Promise<void> {
    const notFound = () => new DomainError('not_found', 'The API key does not exist in this workspace.');
    assertActorAllows(actor, 'api_keys:manage');
    if (!isUuid(keyId)) throw notFound();
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id: keyId, workspaceId, revokedAt: null },
        data: { revokedAt: now },
      });
      if (count === 0) throw notFound();
      await this.audit.record(
        {
          action: 'api_key.revoked',
          workspaceId,
          actorId: actor.userId,
          actorApiKeyId: actor.apiKeyId,
          details: { apiKeyId: keyId },
        },
        tx,
      );
    });
  }
}
