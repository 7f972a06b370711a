import { Injectable } from '@nestjs/common';
import {
  ACTION_LIMITS,
  ActionLimiter,
  DomainError,
  type EventEnvelope,
  isUuid,
  newId,
  OutboxService,
  type Page,
  pageById,
  Prisma,
  PrismaService,
} from '@groundwork/platform';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { ALL_EVENTS } from '../endpoints/webhooks.service.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface AttemptView {
  at: Date;
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryDetail extends DeliveryView {
  attemptLog: AttemptView[];
}

/** What is signed and sent: the Standard Webhooks body. */
export interface DeliveryBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const SELECT = {
  id: true,
  endpointId: true,
  eventId: true,
  eventType: true,
  status: true,
  attempts: true,
  responseStatus: true,
  latencyMs: true,
  error: true,
  nextAttemptAt: true,
  createdAt: true,
} as const;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof SELECT }>;

function toView({ endpointId, ...row }: DeliveryRow): DeliveryView {
  return { ...row, webhookId: endpointId };
}

const deliveryNotFound = () => new DomainError('not_found', 'The delivery does not exist for this webhook.');
const webhookNotFound = () => new DomainError('not_found', 'The webhook does not exist in this workspace.');

/**
 * The delivery log: one row per (event, endpoint), created when the event reaches the
 * webhooks queue, with one attempt row per HTTP attempt.
 */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxService,
    private readonly limiter: ActionLimiter,
  ) {}

  /**
   * Creates the deliveries of one event — for every enabled endpoint of its workspace
   * subscribed to its type that existed when the event occurred, or, for `webhook.ping`, for the one endpoint it addresses if still enabled — and
   * returns the ids of those still pending (all of them, on a replayed event, so their jobs
   * are enqueued again; job ids make that harmless).
   */
  async createFor(event: EventEnvelope): Promise<string[]> {
    if (event.workspaceId === null) return [];
    const body: DeliveryBody = {
      type: event.type,
      timestamp: event.occurredAt,
      // Receivers may serve several workspaces from one URL: the workspace is in every body.
      data: { workspaceId: event.workspaceId, ...(event.data as object) },
    };
    const addressed = event.type === 'webhook.ping' ? (event.data as { webhookId: string }).webhookId : undefined;
    const endpoints = await this.prisma.webhookEndpoint.findMany({
      where:
        addressed === undefined
          ? {
              workspaceId: event.workspaceId,
              enabled: true,
              events: { hasSome: [event.type, ALL_EVENTS] },
              // The fan-out may run after the endpoint was created; what happened before it was
              // is not its business.
              createdAt: { lte: new Date(event.occurredAt) },
            }
          : { workspaceId: event.workspaceId, id: addressed, enabled: true },
      select: { id: true },
    });
    if (endpoints.length === 0) return [];
    // One statement inserts and reports: a replayed event inserts nothing (unique on endpoint
    // + event) and gets back the deliveries still pending, so their jobs are enqueued again.
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH created AS (
        INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, payload, next_attempt_at, updated_at)
        SELECT n.id, ${event.workspaceId}::uuid, n.endpoint_id, ${event.id}::uuid, ${event.type},
               ${JSON.stringify(body)}::jsonb, now(), now()
        FROM unnest(${endpoints.map(() => newId())}::uuid[], ${endpoints.map((e) => e.id)}::uuid[]) AS n(id, endpoint_id)
        ON CONFLICT (endpoint_id, event_id) DO NOTHING
        RETURNING id
      )
      SELECT id FROM created
      UNION
      SELECT id FROM webhook_deliveries
      WHERE event_id = ${event.id}::uuid AND endpoint_id = ANY(${endpoints.map((e) => e.id)}::uuid[]) AND status = 'pending'`;
    return rows.map((row) => row.id);
  }

  /** Newest first. */
  async list(workspaceId: string, webhookId: string, limit: number, cursor?: string): Promise<Page<DeliveryView>> {
    await this.assertWebhook(workspaceId, webhookId);
    return pageById(
      { scope: ['webhook-deliveries', webhookId], limit, cursor, order: 'desc' },
      ({ after, orderBy, take }) =>
        this.prisma.webhookDelivery.findMany({
          where: { endpointId: webhookId, workspaceId, ...after },
          orderBy,
          take,
          select: SELECT,
        }),
      toView,
    );
  }

  async get(workspaceId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetail> {
    const row =
      isUuid(webhookId) && isUuid(deliveryId)
        ? await this.prisma.webhookDelivery.findFirst({
            where: { id: deliveryId, endpointId: webhookId, workspaceId },
            select: {
              ...SELECT,
              attemptLog: {
                orderBy: { at: 'asc' },
                select: { at: true, responseStatus: true, latencyMs: true, error: true },
              },
            },
          })
        : null;
    if (!row) throw deliveryNotFound();
    const { attemptLog, ...delivery } = row;
    return { ...toView(delivery), attemptLog };
  }

  /**
   * Asks the worker to send the delivery once more, now, whatever its state: the request is
   * an event in the same transaction as the delivery going back to `pending`. At most 60 a
   * minute per workspace (`rate_limited`).
   */
  async requestRedelivery(
    workspaceId: string,
    webhookId: string,
    deliveryId: string,
    actor: WorkspaceActor,
  ): Promise<void> {
    if (!isUuid(webhookId) || !isUuid(deliveryId)) throw deliveryNotFound();
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.webhookDelivery.updateMany({
        where: { id: deliveryId, endpointId: webhookId, workspaceId },
        data: { status: 'pending', nextAttemptAt: new Date() },
      });
      if (count === 0) throw deliveryNotFound();
      const allowance = await this.limiter.take('webhook-redelivery', workspaceId);
      if (!allowance.allowed) {
        // Thrown inside the transaction: the delivery keeps the state it had.
        throw new DomainError(
          'rate_limited',
          `A workspace can ask for at most ${ACTION_LIMITS['webhook-redelivery'].limit} redeliveries a minute.`,
          { retryAfterSeconds: allowance.retryAfterSeconds },
        );
      }
      await this.outbox.publish(tx, {
        type: 'webhook.redelivery_requested',
        workspaceId,
        actorId: actor.userId,
        data: { deliveryId },
      });
    });
  }

  /**
   * Removes finished (succeeded or failed) deliveries created before `before`, with their
   * attempts, in batches so a large backlog never holds one long transaction. Pending ones stay.
   */
  async purgeFinishedBefore(before: Date, batchSize = 5_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await this.prisma.$executeRaw`
        DELETE FROM webhook_deliveries WHERE id IN (
          SELECT id FROM webhook_deliveries
          WHERE created_at < ${before} AND status <> 'pending'
          LIMIT ${batchSize})`;
      deleted += count;
      if (count < batchSize) return deleted;
    }
  }

  private async assertWebhook(workspaceId: string, webhookId: string): Promise<void> {
    const exists =
      isUuid(webhookId) && (await this.prisma.webhookEndpoint.count({ where: { id: webhookId, workspaceId } })) > 0;
    if (!exists) throw webhookNotFound();
  }
}
