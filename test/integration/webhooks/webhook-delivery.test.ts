import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuditModule,
  CryptoModule,
  DatabaseModule,
  type EventEnvelope,
  EventsModule,
  loadAppConfig,
  MetricsModule,
  newId,
  PlatformConfigModule,
  PrismaService,
  RedisModule,
} from '@groundwork/platform';
// Loading the work context registers the task events these endpoints subscribe to.
import '@groundwork/work';
import { WebhookDeliveriesService, WebhookDeliveryRunner, WebhooksModule, WebhooksService } from '@groundwork/webhooks';
import { WebhookReceiver } from '../../support/webhook-receiver.js';

const DISABLE_AFTER = 3;

/** The webhooks context with the real platform, under the given WEBHOOK_* settings. */
async function webhooksContext(env: Record<string, string>): Promise<TestingModule> {
  const config = loadAppConfig('worker', {
    ...process.env,
    WEBHOOK_RETRY_DELAYS: '200ms,400ms',
    WEBHOOK_DISABLE_AFTER: String(DISABLE_AFTER),
    WEBHOOK_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'error',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      PlatformConfigModule.forRoot('worker', config),
      DatabaseModule,
      RedisModule,
      MetricsModule,
      AuditModule,
      EventsModule,
      CryptoModule,
      WebhooksModule,
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

function taskCreated(workspaceId: string): EventEnvelope {
  return {
    id: newId(),
    type: 'task.created',
    version: 1,
    visibility: 'public',
    workspaceId,
    actorId: null,
    occurredAt: new Date().toISOString(),
    data: { taskId: newId(), projectId: newId(), number: 1 },
    requestId: null,
    traceparent: null,
    tracestate: null,
  };
}

describe('webhook deliveries (worker side, real PostgreSQL)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let webhooks: WebhooksService;
  let deliveries: WebhookDeliveriesService;
  let runner: WebhookDeliveryRunner;
  const actor = { userId: newId(), role: 'admin' as const };
  const receivers: WebhookReceiver[] = [];

  async function workspace(): Promise<string> {
    const id = newId();
    await prisma.workspace.create({ data: { id, name: 'Hooks', slug: `hooks-${id}` } });
    return id;
  }

  async function receiver(): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start();
    receivers.push(started);
    return started;
  }

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((started) => started.close()));
  });

  describe('with private networks refused (the production default)', () => {
    beforeAll(async () => {
      moduleRef = await webhooksContext({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_ALLOW_HTTP: 'true' });
      prisma = moduleRef.get(PrismaService);
      webhooks = moduleRef.get(WebhooksService);
      deliveries = moduleRef.get(WebhookDeliveriesService);
      runner = moduleRef.get(WebhookDeliveryRunner);
    });

    afterAll(async () => {
      await moduleRef?.close();
    });

    it('refuses a literal private address when the endpoint is created', async () => {
      const workspaceId = await workspace();
      for (const url of [
        'http://127.0.0.1/hook',
        'http://[::1]/hook',
        'http://169.254.169.254/latest',
        'http://0x7f.1/',
      ]) {
        await expect(webhooks.create(workspaceId, actor, { url, events: ['*'] })).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'url', message: expect.stringContaining('blocked range') })],
        });
      }
    });

    it('refuses at delivery a host that now resolves to loopback, logs why, and schedules the next attempt', async () => {
      const hooks = await receiver();
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: 'http://hooks.example.test/', events: ['*'] });
      // The name passed validation; now it resolves to loopback (as a rebinding DNS would make it).
      const url = hooks.url.replace('127.0.0.1', 'localhost');
      await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { url } });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));

      const outcome = await runner.attempt(deliveryId!, 'scheduled');

      expect(outcome).toMatchObject({ kind: 'retry', error: expect.stringMatching(/blocked range \(loopback\)/) });
      expect(hooks.requests).toEqual([]);
      const row = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
      expect(row).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null });
      // The first delay of the schedule (200 ms) ±20 % jitter, counted from the attempt.
      const [attempt] = await prisma.webhookAttempt.findMany({ where: { deliveryId: deliveryId! } });
      const delay = row.nextAttemptAt!.getTime() - attempt!.at.getTime();
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(240);
    });
  });

  describe('with private networks allowed (tests, local development)', () => {
    beforeAll(async () => {
      moduleRef = await webhooksContext({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ALLOW_HTTP: 'true' });
      prisma = moduleRef.get(PrismaService);
      webhooks = moduleRef.get(WebhooksService);
      deliveries = moduleRef.get(WebhookDeliveriesService);
      runner = moduleRef.get(WebhookDeliveryRunner);
    });

    afterAll(async () => {
      await moduleRef?.close();
    });

    it('creates one delivery per subscribed, enabled endpoint the workspace had when the event occurred, and none twice for a replayed event', async () => {
      const [workspaceId, otherWorkspaceId] = [await workspace(), await workspace()];
      const url = 'https://hooks.example.test/';
      const exact = await webhooks.create(workspaceId, actor, { url, events: ['task.created'] });
      const everything = await webhooks.create(workspaceId, actor, { url, events: ['*'] });
      await webhooks.create(workspaceId, actor, { url, events: ['project.created'] });
      await webhooks.create(workspaceId, actor, { url, events: ['*'], enabled: false });
      await webhooks.create(otherWorkspaceId, actor, { url, events: ['*'] });
      const event = taskCreated(workspaceId);
      // Created after the event occurred: not its business, even if the fan-out runs later.
      await webhooks.create(workspaceId, actor, { url, events: ['*'] });

      const first = await deliveries.createFor(event);
      const replayed = await deliveries.createFor(event);

      expect(replayed.sort()).toEqual(first.sort());
      const rows = await prisma.webhookDelivery.findMany({ where: { eventId: event.id } });
      expect(rows.map((row) => row.endpointId).sort()).toEqual([exact.id, everything.id].sort());
    });

    it('of two deliveries failing for good at once, exactly one disables the endpoint and writes one webhook.disabled event', async () => {
      const down = (await receiver()).otherwise({ kind: 'status', status: 500 });
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: down.url, events: ['*'] });
      const ids = [
        ...(await deliveries.createFor(taskCreated(workspaceId))),
        ...(await deliveries.createFor(taskCreated(workspaceId))),
      ];
      // One failure short of the threshold, both deliveries at their last attempt.
      await prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { consecutiveFailures: DISABLE_AFTER - 1 },
      });
      await prisma.webhookDelivery.updateMany({
        where: { id: { in: ids } },
        data: { attempts: runner.maxAttempts - 1 },
      });

      const outcomes = await Promise.all(ids.map((id) => runner.attempt(id, 'scheduled')));

      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['failed', 'failed']);
      expect(outcomes.filter((outcome) => outcome.kind === 'failed' && outcome.endpointDisabled)).toHaveLength(1);
      const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(row).toMatchObject({ enabled: false, consecutiveFailures: DISABLE_AFTER + 1 });
      const events = await prisma.outboxEvent.findMany({
        where: { type: 'webhook.disabled', workspaceId },
      });
      expect(events.map((event) => event.data)).toEqual([
        { webhookId: endpoint.id, consecutiveFailures: expect.any(Number) },
      ]);
    });

    it('stops a pending retry once its endpoint is disabled, without calling the receiver', async () => {
      const hooks = await receiver();
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: hooks.url, events: ['*'] });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));
      await webhooks.update(workspaceId, endpoint.id, actor, { enabled: false });

      const outcome = await runner.attempt(deliveryId!, 'scheduled');

      expect(outcome).toEqual({ kind: 'failed', error: 'the endpoint is disabled', endpointDisabled: false });
      expect(hooks.requests).toEqual([]);
    });

    it('resets the failure streak on a success', async () => {
      const hooks = await receiver();
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: hooks.url, events: ['*'] });
      await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { consecutiveFailures: 2 } });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));

      expect(await runner.attempt(deliveryId!, 'scheduled')).toEqual({ kind: 'succeeded', status: 204 });

      const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(row.consecutiveFailures).toBe(0);
    });

    it('purges finished deliveries older than the retention, with their attempts, and keeps pending ones', async () => {
      const hooks = await receiver();
      const workspaceId = await workspace();
      await webhooks.create(workspaceId, actor, { url: hooks.url, events: ['*'] });
      const [finished] = await deliveries.createFor(taskCreated(workspaceId));
      const [pending] = await deliveries.createFor(taskCreated(workspaceId));
      const [recent] = await deliveries.createFor(taskCreated(workspaceId));
      await runner.attempt(finished!, 'scheduled');
      await runner.attempt(recent!, 'scheduled');
      const longAgo = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000);
      await prisma.webhookDelivery.updateMany({
        where: { id: { in: [finished!, pending!] } },
        data: { createdAt: longAgo },
      });

      const deleted = await deliveries.purgeFinishedBefore(new Date(Date.now() - 30 * 24 * 60 * 60 * 1000), 1);

      expect(deleted).toBeGreaterThanOrEqual(1);
      const left = await prisma.webhookDelivery.findMany({ where: { id: { in: [finished!, pending!, recent!] } } });
      expect(left.map((row) => row.id).sort()).toEqual([pending!, recent!].sort());
      expect(await prisma.webhookAttempt.count({ where: { deliveryId: finished! } })).toBe(0);
    });
  });
});
