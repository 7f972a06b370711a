import { Injectable, Logger } from '@nestjs/common';
import {
  AppConfig,
  AuditTrail,
  currentTraceCarrier,
  newId,
  type OutboundErrorCode,
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
/** An endpoint whose every attempt has failed for this long is disabled, whatever WEBHOOK_DISABLE_AFTER says. */
export const FAILING_ENDPOINT_DISABLE_MS = 24 * 60 * 60 * 1000;

interface AttemptResult {
  responseStatus: number | null;
  latencyMs: number;
  /** What the delivery log shows the workspace's admins: generic, see `publicReason`. */
  error: string | null;
  /** The client's own account of a failure (hosts, addresses): for the server log and the job only. */
  detail: string | null;
  responseBody: string | null;
}

/**
 * The reason a workspace admin reads for a request that got no answer. It never names a host,
 * an address or a port, and "not resolvable", "resolves to a blocked address" and "refused"
 * read alike: the delivery log must not become a probe of the internal network (which names
 * exist, what they resolve to, which ports are open). The detail goes to the server log.
 */
function publicReason(code: OutboundErrorCode, timeoutMs: number): string {
  switch (code) {
    case 'blocked_address':
    case 'dns_failure':
    case 'connection_failed':
      return 'could not connect to the receiver';
    case 'invalid_url':
      return 'the URL is not allowed (scheme, credentials or port)';
    case 'invalid_request':
      return 'the request could not be made';
    case 'timeout':
      return `timed out after ${timeoutMs} ms without an answer`;
    case 'tls_failure':
      return 'the TLS handshake with the receiver failed';
    case 'protocol_error':
      return 'the receiver answered with invalid HTTP';
    case 'aborted':
      return 'the attempt was cancelled';
    default: {
      const unknown: never = code;
      return `the attempt failed (${String(unknown)})`;
    }
  }
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
    // A ping too: a disabled endpoint hears nothing until an admin enables it again.
    if (mode === 'scheduled' && !endpoint.enabled) {
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
        // There is usually no streak: then the endpoint row is left alone (no write, no lock).
        if (endpoint.consecutiveFailures > 0 || endpoint.failingSince !== null) {
          await tx.webhookEndpoint.updateMany({
            where: { id: endpoint.id },
            data: { consecutiveFailures: 0, failingSince: null },
          });
        }
        return { kind: 'succeeded', status: result.responseStatus! };
      }
      // The job (and its log line) carries the detail; the rows above carry the generic reason.
      const error = result.detail ?? `the receiver answered ${result.responseStatus}`;
      // A manual redelivery is an admin's experiment: it neither starts nor extends a streak.
      const failingForLong = mode === 'scheduled' && (await this.failingForLong(tx, endpoint, now));
      if (mode === 'scheduled' && attemptNumber < this.maxAttempts && !failingForLong) {
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
      const endpointDisabled =
        mode === 'scheduled' && (await this.countFailure(tx, endpoint.id, endpoint.workspaceId, failingForLong));
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
        detail: null,
        responseBody: storable(response.body, STORED_BODY_CHARS),
      };
    } catch (error) {
      if (!(error instanceof OutboundRequestError)) throw error;
      this.logger.warn({ code: error.code, reason: error.message }, 'webhook delivery attempt got no answer');
      return {
        responseStatus: null,
        latencyMs: error.latencyMs,
        error: publicReason(error.code, this.config.webhooks.timeoutMs),
        detail: storable(error.message, STORED_ERROR_CHARS),
        responseBody: null,
      };
    }
  }

  /**
   * Notes a failed attempt in the endpoint's failing streak (its start is written by the first
   * failure after a success, so later ones usually write nothing) and tells whether the streak
   * has lasted FAILING_ENDPOINT_DISABLE_MS: an endpoint dead for a day is disabled however few
   * deliveries it had.
   */
  private async failingForLong(
    tx: Transaction,
    endpoint: { id: string; failingSince: Date | null },
    now: Date,
  ): Promise<boolean> {
    let since = endpoint.failingSince;
    if (since === null) {
      await tx.webhookEndpoint.updateMany({
        where: { id: endpoint.id, failingSince: null },
        data: { failingSince: now },
      });
      since = now;
    }
    return now.getTime() - since.getTime() >= FAILING_ENDPOINT_DISABLE_MS;
  }

  /**
   * Adds one failed delivery to the endpoint's streak; disables it when the streak reaches the
   * threshold, or when every attempt has failed for a day (`failingForLong`). The conditional
   * update makes exactly one of several concurrent failures the one that disables (and mails).
   * Returns whether this call disabled it.
   */
  private async countFailure(
    tx: Transaction,
    endpointId: string,
    workspaceId: string,
    failingForLong: boolean,
  ): Promise<boolean> {
    const { consecutiveFailures } = await tx.webhookEndpoint.update({
      where: { id: endpointId },
      data: { consecutiveFailures: { increment: 1 } },
      select: { consecutiveFailures: true },
    });
    const threshold = this.config.webhooks.disableAfter;
    if (consecutiveFailures < threshold && !failingForLong) return false;
    const { count } = await tx.webhookEndpoint.updateMany({
      where: { id: endpointId, enabled: true },
      data: {
        enabled: false,
        disabledAt: new Date(),
        disabledReason:
          consecutiveFailures >= threshold
            ? `${consecutiveFailures} consecutive deliveries failed`
            : 'every delivery attempt failed for 24 h',
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
