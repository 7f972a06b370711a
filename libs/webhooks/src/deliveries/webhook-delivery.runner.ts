import { Injectable, Logger } from '@nestjs/common';
import {
  AppConfig,
  AuditTrail,
  currentTraceCarrier,
  newId,
  OutboundRequestError,
  OutboxService,
  PrismaService,
  SafeHttpClient,
  SecretBox,
  type Transaction,
} from '@groundwork/platform';
import { secretContext } from '../endpoints/webhooks.service.js';
import { standardWebhookHeaders } from '../signing/standard-webhooks.js';
import type { DeliveryBody } from './webhook-deliveries.service.js';

/** `scheduled`: one step of the retry schedule. `manual`: a redelivery — one attempt, no retries. */
export type DeliveryMode = 'scheduled' | 'manual';

export type DeliveryOutcome =
  | { kind: 'succeeded'; status: number }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed'; error: string; endpointDisabled: boolean }
  | { kind: 'skipped'; reason: string };

/** Bounds of what a receiver's answer costs: bytes read, and what the attempt log keeps. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const STORED_BODY_CHARS = 2048;
const STORED_ERROR_CHARS = 500;

interface AttemptResult {
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
  responseBody: string | null;
}

/**
 * One attempt of one delivery: signs the stored body (Standard Webhooks, with every live
 * secret), POSTs it through the SSRF-safe client, logs the attempt and moves the delivery on —
 * to `succeeded`, to its next retry on the WEBHOOK_RETRY_DELAYS schedule (with ±20 % jitter),
 * or to `failed` after the last one. A delivery that fails for good adds to its endpoint's
 * failure streak; at WEBHOOK_DISABLE_AFTER the endpoint is disabled in the same transaction as
 * the `webhook.disabled` event that mails its admins. Pending retries to a disabled endpoint
 * stop at their next step.
 */
@Injectable()
export class WebhookDeliveryRunner {
  private readonly logger = new Logger(WebhookDeliveryRunner.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly http: SafeHttpClient,
    private readonly secrets: SecretBox,
    private readonly outbox: OutboxService,
    private readonly audit: AuditTrail,
    private readonly config: AppConfig,
  ) {}

  /** How many attempts a delivery gets: one more than there are delays. */
  get maxAttempts(): number {
    return this.config.webhooks.retryDelaysMs.length + 1;
  }

  async attempt(deliveryId: string, mode: DeliveryMode, now = new Date()): Promise<DeliveryOutcome> {
    const delivery = await this.prisma.webhookDelivery.findUnique({
      where: { id: deliveryId },
      include: { endpoint: true },
    });
    if (!delivery) return { kind: 'skipped', reason: 'the delivery or its endpoint was deleted' };
    if (mode === 'scheduled' && delivery.status !== 'pending') {
      return { kind: 'skipped', reason: `the delivery is already ${delivery.status}` };
    }
    const { endpoint } = delivery;
    if (mode === 'scheduled' && !endpoint.enabled && delivery.eventType !== 'webhook.ping') {
      await this.prisma.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: 'failed', error: 'the endpoint is disabled', nextAttemptAt: null },
      });
      return { kind: 'failed', error: 'the endpoint is disabled', endpointDisabled: false };
    }

    const stored = delivery.payload as unknown as DeliveryBody;
    // Key order is fixed here (jsonb does not keep it): this exact string is signed and sent.
    const body = JSON.stringify({ type: delivery.eventType, timestamp: stored.timestamp, data: stored.data });
    const trace = currentTraceCarrier();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      // The receiver can join the trace of the change it hears about. With tracing on, the
      // HTTP client span overwrites these with its own (a child of this job's span).
      ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
      ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
      ...standardWebhookHeaders(
        this.liveSecrets(endpoint, now),
        delivery.eventId,
        Math.floor(now.getTime() / 1000),
        body,
      ),
    };
    const result = await this.send(endpoint.url, headers, body);
    const attemptNumber = delivery.attempts + 1;
    const succeeded = result.responseStatus !== null && result.responseStatus >= 200 && result.responseStatus < 300;

    return this.prisma.$transaction(async (tx) => {
      await tx.webhookAttempt.create({
        data: {
          id: newId(),
          deliveryId,
          at: now,
          responseStatus: result.responseStatus,
          latencyMs: result.latencyMs,
          error: result.error,
          responseBody: result.responseBody,
        },
      });
      const observed = {
        attempts: { increment: 1 },
        responseStatus: result.responseStatus,
        latencyMs: result.latencyMs,
        error: result.error,
      };
      if (succeeded) {
        await tx.webhookDelivery.update({
          where: { id: deliveryId },
          data: { ...observed, status: 'succeeded', nextAttemptAt: null },
        });
        // The streak is usually 0: only then is the endpoint row left alone (no write, no lock).
        if (endpoint.consecutiveFailures > 0) {
          await tx.webhookEndpoint.updateMany({
            where: { id: endpoint.id, consecutiveFailures: { gt: 0 } },
            data: { consecutiveFailures: 0 },
          });
        }
        return { kind: 'succeeded', status: result.responseStatus! };
      }
      const error = result.error ?? `the receiver answered ${result.responseStatus}`;
      if (mode === 'scheduled' && attemptNumber < this.maxAttempts) {
        const delayMs = withJitter(this.config.webhooks.retryDelaysMs[attemptNumber - 1]!);
        await tx.webhookDelivery.update({
          where: { id: deliveryId },
          data: { ...observed, status: 'pending', nextAttemptAt: new Date(now.getTime() + delayMs) },
        });
        return { kind: 'retry', delayMs, error };
      }
      await tx.webhookDelivery.update({
        where: { id: deliveryId },
        data: { ...observed, status: 'failed', nextAttemptAt: null },
      });
      // A manual redelivery is an admin's experiment: it does not count towards disabling.
      const endpointDisabled = mode === 'scheduled' && (await this.countFailure(tx, endpoint.id, endpoint.workspaceId));
      return { kind: 'failed', error, endpointDisabled };
    });
  }

  /** The current secret, and the previous one while its rotation grace period lasts. */
  private liveSecrets(
    endpoint: {
      id: string;
      secretSealed: string;
      previousSecretSealed: string | null;
      previousSecretExpiresAt: Date | null;
    },
    now: Date,
  ): string[] {
    const context = secretContext(endpoint.id);
    const secrets = [this.secrets.open(endpoint.secretSealed, context)];
    if (endpoint.previousSecretSealed !== null && endpoint.previousSecretExpiresAt !== null) {
      if (endpoint.previousSecretExpiresAt > now)
        secrets.push(this.secrets.open(endpoint.previousSecretSealed, context));
    }
    return secrets;
  }

  private async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    try {
      const response = await this.http.post(url, {
        headers,
        body,
        timeoutMs: this.config.webhooks.timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
      return {
        responseStatus: response.status,
        latencyMs: response.latencyMs,
        error: null,
        responseBody: storable(response.body, STORED_BODY_CHARS),
      };
    } catch (error) {
      if (!(error instanceof OutboundRequestError)) throw error;
      return {
        responseStatus: null,
        latencyMs: error.latencyMs,
        error: storable(error.message, STORED_ERROR_CHARS),
        responseBody: null,
      };
    }
  }

  /**
   * Adds one failed delivery to the endpoint's streak; disables it when the streak reaches the
   * threshold. The conditional update makes exactly one of several concurrent failures the one
   * that disables (and mails). Returns whether this call disabled it.
   */
  private async countFailure(tx: Transaction, endpointId: string, workspaceId: string): Promise<boolean> {
    const { consecutiveFailures } = await tx.webhookEndpoint.update({
      where: { id: endpointId },
      data: { consecutiveFailures: { increment: 1 } },
      select: { consecutiveFailures: true },
    });
    const threshold = this.config.webhooks.disableAfter;
    if (consecutiveFailures < threshold) return false;
    const { count } = await tx.webhookEndpoint.updateMany({
      where: { id: endpointId, enabled: true },
      data: {
        enabled: false,
        disabledAt: new Date(),
        disabledReason: `${consecutiveFailures} consecutive deliveries failed`,
      },
    });
    if (count === 0) return false;
    await this.outbox.publish(tx, {
      type: 'webhook.disabled',
      workspaceId,
      actorId: null,
      data: { webhookId: endpointId, consecutiveFailures },
    });
    await this.audit.record(
      {
        action: 'webhook.disabled',
        workspaceId,
        actorId: null,
        details: { webhookId: endpointId, consecutiveFailures },
      },
      tx,
    );
    this.logger.warn({ webhookId: endpointId, consecutiveFailures }, 'webhook endpoint disabled');
    return true;
  }
}

/** ±20 %: receivers that came back together are not hit by every retry at once. */
function withJitter(delayMs: number): number {
  return Math.round(delayMs * (0.8 + Math.random() * 0.4));
}

/** Text PostgreSQL can store (no NUL), cut to the column's size. */
function storable(text: string, maxChars: number): string {
  const clean = text.replaceAll('\u0000', '\uFFFD');
  return clean.length <= maxChars ? clean : `${clean.slice(0, maxChars - 1)}…`;
}
