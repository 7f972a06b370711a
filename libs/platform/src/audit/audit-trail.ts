import { Injectable } from '@nestjs/common';
import { RequestContext } from '../context/request-context.js';
import type { Prisma } from '../database/generated/client.js';
import { PrismaService } from '../database/prisma.service.js';
import { newId } from '../ids/uuid.js';
import { pageById } from '../pagination/id-page.js';
import type { Page } from '../pagination/page.js';

/**
 * Every action the trail records: account events (for the account), workspace events (for the
 * workspace's admins) and platform events (for platform administrators).
 */
export const AUDIT_ACTIONS = [
  'login.succeeded',
  'login.failed',
  'logout',
  'refresh_token.reused',
  'password.changed',
  'password.reset_requested',
  'oidc.linked',
  'workspace.created',
  'workspace.updated',
  'workspace.deleted',
  'member.role_changed',
  'member.removed',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'api_key.created',
  'api_key.revoked',
  'ownership.transferred',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.disabled',
  'flag.updated',
  'flag.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  /** Set for workspace events. */
  workspaceId?: string;
  /** Set for account events: the account the event concerns. */
  userId?: string;
  /** Set for platform events (a platform administrator's act): the admin audit log. */
  platform?: true;
  /** Who acted; defaults to the request's user. */
  actorId?: string | null;
  actorApiKeyId?: string;
  details?: Record<string, string | number | boolean | null>;
}

export interface AuditRecord {
  id: string;
  action: string;
  actorId: string | null;
  actorApiKeyId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Prisma.JsonValue;
  createdAt: Date;
}

type Db = Prisma.TransactionClient | PrismaService;

/**
 * The one audit trail. Entries take the client address, user agent and request id from the
 * request context, so callers state only what happened; writing inside the caller's
 * transaction keeps the trail true to what committed.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: AuditEntry, db: Db = this.prisma): Promise<void> {
    const context = RequestContext.current();
    await db.auditEvent.create({
      data: {
        id: newId(),
        action: entry.action,
        workspaceId: entry.workspaceId,
        userId: entry.userId,
        platform: entry.platform ?? false,
        actorId: entry.actorId === undefined ? (context?.userId ?? null) : entry.actorId,
        actorApiKeyId: entry.actorApiKeyId,
        ip: context?.client?.ip?.slice(0, 45),
        userAgent: context?.client?.userAgent,
        requestId: context?.requestId,
        details: entry.details ?? {},
      },
    });
  }

  /** Newest first, through the platform's one pagination mechanism (ids are time-ordered). */
  async list(
    subject: { workspaceId: string } | { userId: string } | { platform: true },
    limit: number,
    cursor?: string,
  ): Promise<Page<AuditRecord>> {
    return pageById(
      { scope: ['audit', subject], limit, cursor, order: 'desc' },
      // A long trail is a slow read: stop it when the caller goes away or runs out of time.
      ({ after, orderBy, take }) =>
        this.prisma.cancellable((db) => db.auditEvent.findMany({ where: { ...subject, ...after }, orderBy, take })),
      (row) => ({
        id: row.id,
        action: row.action,
        actorId: row.actorId,
        actorApiKeyId: row.actorApiKeyId,
        ip: row.ip,
        userAgent: row.userAgent,
        requestId: row.requestId,
        details: row.details,
        createdAt: row.createdAt,
      }),
    );
  }
}
