import { Injectable } from '@nestjs/common';
import {
  ACTION_LIMITS,
  ActionLimiter,
  AppConfig,
  AuditTrail,
  DomainError,
  type FieldError,
  isUuid,
  newId,
  OutboxService,
  type Page,
  pageById,
  PrismaService,
  publicEventTypes,
  SecretBox,
  webhookUrlProblems,
} from '@groundwork/platform';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { newWebhookSecret } from '../signing/webhook-secret.js';

/** Subscribes an endpoint to every public event, present and future. */
export const ALL_EVENTS = '*';

/** Endpoints one workspace may have: each event fans out to all of them. */
export const MAX_ENDPOINTS_PER_WORKSPACE = 25;

/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  /** Set when the endpoint was disabled after too many failed deliveries (cleared by enabling it). */
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatedWebhook extends WebhookView {
  /** `whsec_…`: returned at creation and rotation only, stored sealed. */
  secret: string;
}

export interface NewWebhook {
  url: string;
  events: string[];
  description?: string;
  enabled?: boolean;
}

export interface WebhookChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

const SELECT = {
  id: true,
  url: true,
  events: true,
  description: true,
  enabled: true,
  disabledAt: true,
  disabledReason: true,
  createdAt: true,
  updatedAt: true,
} as const;

const notFound = () => new DomainError('not_found', 'The webhook does not exist in this workspace.');

/** The secret is sealed bound to its endpoint: a sealed value copied onto another row does not open. */
export function secretContext(endpointId: string): string {
  return `webhook:${endpointId}`;
}

/**
 * Webhook endpoints of a workspace (admins). Rules: the URL passes the outbound policy
 * (absolute http(s), no credentials, ≤ 2,048 characters, https unless allowed, no literal
 * private address unless allowed — the address a name resolves to is checked at delivery);
 * events are public event types of the catalogue or `*`; the secret is shown once.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly limiter: ActionLimiter,
  ) {}

  /** At most MAX_ENDPOINTS_PER_WORKSPACE: the 26th is refused with `limit_exceeded`. */
  async create(workspaceId: string, actor: WorkspaceActor, input: NewWebhook): Promise<CreatedWebhook> {
    this.validate({ url: input.url, events: input.events });
    const id = newId();
    const secret = newWebhookSecret();
    const created = await this.prisma.$transaction(async (tx) => {
      // The workspace row's lock serialises creations, so two racing for the last place do not both get it.
      await tx.$executeRaw`SELECT 1 FROM workspaces WHERE id = ${workspaceId}::uuid FOR UPDATE`;
      if ((await tx.webhookEndpoint.count({ where: { workspaceId } })) >= MAX_ENDPOINTS_PER_WORKSPACE) {
        throw new DomainError(
          'limit_exceeded',
          `A workspace can have at most ${MAX_ENDPOINTS_PER_WORKSPACE} webhooks; delete one first.`,
          { extensions: { limit: MAX_ENDPOINTS_PER_WORKSPACE } },
        );
      }
      const row = await tx.webhookEndpoint.create({
        data: {
          id,
          workspaceId,
          url: input.url,
          events: normaliseEvents(input.events),
          description: input.description ?? null,
          enabled: input.enabled ?? true,
          secretSealed: this.secrets.seal(secret, secretContext(id)),
          createdById: actor.userId,
        },
        select: SELECT,
      });
      await this.audit.record(
        {
          action: 'webhook.created',
          workspaceId,
          actorApiKeyId: actor.apiKeyId,
          details: { webhookId: id, url: input.url },
        },
        tx,
      );
      return row;
    });
    return { ...created, secret };
  }

  /** Newest first. */
  async list(workspaceId: string, limit: number, cursor?: string): Promise<Page<WebhookView>> {
    return pageById(
      { scope: ['webhooks', workspaceId], limit, cursor, order: 'desc' },
      ({ after, orderBy, take }) =>
        this.prisma.webhookEndpoint.findMany({ where: { workspaceId, ...after }, orderBy, take, select: SELECT }),
      (row) => row,
    );
  }

  async get(workspaceId: string, webhookId: string): Promise<WebhookView> {
    const row = isUuid(webhookId)
      ? await this.prisma.webhookEndpoint.findFirst({ where: { id: webhookId, workspaceId }, select: SELECT })
      : null;
    if (!row) throw notFound();
    return row;
  }

  /** Enabling an endpoint (again) clears its failure streak: it starts afresh. */
  async update(
    workspaceId: string,
    webhookId: string,
    actor: WorkspaceActor,
    changes: WebhookChanges,
  ): Promise<WebhookView> {
    this.validate(changes);
    if (!isUuid(webhookId)) throw notFound();
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.webhookEndpoint.findFirst({ where: { id: webhookId, workspaceId }, select: SELECT });
      if (!current) throw notFound();
      const enabling = changes.enabled === true && !current.enabled;
      const row = await tx.webhookEndpoint.update({
        where: { id: webhookId },
        data: {
          url: changes.url,
          events: changes.events === undefined ? undefined : normaliseEvents(changes.events),
          description: changes.description,
          enabled: changes.enabled,
          ...(enabling ? { consecutiveFailures: 0, failingSince: null, disabledAt: null, disabledReason: null } : {}),
        },
        select: SELECT,
      });
      await this.audit.record(
        {
          action: 'webhook.updated',
          workspaceId,
          actorApiKeyId: actor.apiKeyId,
          details: { webhookId, fields: Object.keys(changes).sort().join(',') },
        },
        tx,
      );
      return row;
    });
  }

  /** Deletes the endpoint with its delivery log; retries still queued for it find nothing to send. */
  async delete(workspaceId: string, webhookId: string, actor: WorkspaceActor): Promise<void> {
    if (!isUuid(webhookId)) throw notFound();
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.webhookEndpoint.deleteMany({ where: { id: webhookId, workspaceId } });
      if (count === 0) throw notFound();
      await this.audit.record(
        { action: 'webhook.deleted', workspaceId, actorApiKeyId: actor.apiKeyId, details: { webhookId } },
        tx,
      );
    });
  }

  /**
   * A new secret signs from now on; the previous one keeps signing beside it for 24 h, so
   * receivers can switch without losing a delivery. Rotating again within the grace period
   * drops the oldest secret.
   */
  async rotateSecret(
    workspaceId: string,
    webhookId: string,
    actor: WorkspaceActor,
    now = new Date(),
  ): Promise<{ secret: string }> {
    if (!isUuid(webhookId)) throw notFound();
    const secret = newWebhookSecret();
    await this.prisma.$transaction(async (tx) => {
      const current = await tx.webhookEndpoint.findFirst({
        where: { id: webhookId, workspaceId },
        select: { secretSealed: true },
      });
      if (!current) throw notFound();
      await tx.webhookEndpoint.update({
        where: { id: webhookId },
        data: {
          secretSealed: this.secrets.seal(secret, secretContext(webhookId)),
          previousSecretSealed: current.secretSealed,
          previousSecretExpiresAt: new Date(now.getTime() + SECRET_ROTATION_GRACE_MS),
        },
      });
      await this.audit.record(
        { action: 'webhook.secret_rotated', workspaceId, actorApiKeyId: actor.apiKeyId, details: { webhookId } },
        tx,
      );
    });
    return { secret };
  }

  /**
   * Queues a `webhook.ping` event addressed to this endpoint only; returns the event id. A
   * disabled endpoint cannot be pinged (`conflict`), and an endpoint at most 10 times a minute
   * (`rate_limited`): a ping makes the worker send a request wherever the URL points.
   */
  async ping(workspaceId: string, webhookId: string, actor: WorkspaceActor): Promise<string> {
    if (!isUuid(webhookId)) throw notFound();
    return this.prisma.$transaction(async (tx) => {
      const endpoint = await tx.webhookEndpoint.findFirst({
        where: { id: webhookId, workspaceId },
        select: { enabled: true },
      });
      if (!endpoint) throw notFound();
      if (!endpoint.enabled) {
        throw new DomainError('conflict', 'The webhook is disabled; enable it before pinging it.');
      }
      const allowance = await this.limiter.take('webhook-ping', webhookId);
      if (!allowance.allowed) {
        throw new DomainError(
          'rate_limited',
          `A webhook can be pinged at most ${ACTION_LIMITS['webhook-ping'].limit} times a minute.`,
          { retryAfterSeconds: allowance.retryAfterSeconds },
        );
      }
      return this.outbox.publish(tx, {
        type: 'webhook.ping',
        workspaceId,
        actorId: actor.userId,
        data: { webhookId },
      });
    });
  }

  /** What the "endpoint disabled" mail says, or undefined when the endpoint is gone. */
  async disabledNotice(webhookId: string): Promise<{ workspaceId: string; url: string; enabled: boolean } | undefined> {
    const row = await this.prisma.webhookEndpoint.findUnique({
      where: { id: webhookId },
      select: { workspaceId: true, url: true, enabled: true },
    });
    return row ?? undefined;
  }

  private validate(input: { url?: string; events?: string[] }): void {
    const errors: FieldError[] = [];
    if (input.url !== undefined) {
      for (const message of webhookUrlProblems(input.url, this.config.webhooks)) errors.push({ field: 'url', message });
    }
    if (input.events !== undefined) {
      const known: readonly string[] = publicEventTypes();
      const unknown = input.events.filter((type) => type !== ALL_EVENTS && !known.includes(type));
      if (unknown.length > 0) {
        errors.push({
          field: 'events',
          message: `unknown event type(s): ${unknown.join(', ')}; use "${ALL_EVENTS}" or any of ${known.join(', ')}`,
        });
      }
    }
    if (errors.length > 0) throw new DomainError('validation_failed', 'The request has invalid fields.', { errors });
  }
}

/** Sorted, without duplicates; `*` alone when it is among them. */
function normaliseEvents(events: string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)].sort();
}
