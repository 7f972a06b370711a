import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AuditModule,
  CryptoModule,
  DatabaseModule,
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
import { taskCreated } from '../../support/task-created-event.js';
import { WebhookReceiver } from '../../support/webhook-receiver.js';

const DISABLE_AFTER = 3;
/** The reasons a workspace admin reads in the delivery log: no host, address or port in them. */
const UNREACHABLE = 'could not connect to the receiver';
const NOT_ALLOWED = 'the URL is not allowed (scheme, credentials or port)';

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
    /** A receiver a rebinding name points at; its port is allowed, so only the address check stands in the way. */
    let rebound: WebhookReceiver;

    beforeAll(async () => {
      rebound = await WebhookReceiver.start();
      const port = new URL(rebound.url).port;
      moduleRef = await webhooksContext({
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_PORTS: `80,443,8080,8443,${port}`,
      });
      prisma = moduleRef.get(PrismaService);
      webhooks = moduleRef.get(WebhooksService);
      deliveries = moduleRef.get(WebhookDeliveriesService);
      runner = moduleRef.get(WebhookDeliveryRunner);
    });

    afterAll(async () => {
      await rebound?.close();
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
      const hooks = rebound;
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
      // The workspace's admins read a generic reason: what the name resolved to stays in the server log.
      expect(row.error).toBe(UNREACHABLE);
      // The first delay of the schedule (200 ms) ±20 % jitter, counted from the attempt.
      const [attempt] = await prisma.webhookAttempt.findMany({ where: { deliveryId: deliveryId! } });
      const delay = row.nextAttemptAt!.getTime() - attempt!.at.getTime();
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(240);
    });

    it('refuses a port outside WEBHOOK_ALLOWED_PORTS when the endpoint is created, and accepts the allowed ones', async () => {
      const workspaceId = await workspace();
      for (const url of [
        'https://hooks.example.test:6379/',
        'http://hooks.example.test:25/',
        'https://hooks.example.test:0/',
      ]) {
        await expect(webhooks.create(workspaceId, actor, { url, events: ['*'] })).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'url', message: expect.stringContaining('port') })],
        });
      }
      for (const url of [
        'https://hooks.example.test/',
        'http://hooks.example.test/',
        'https://hooks.example.test:8443/',
      ]) {
        await expect(webhooks.create(workspaceId, actor, { url, events: ['*'] })).resolves.toMatchObject({ url });
      }
    });

    it('refuses at delivery a port outside WEBHOOK_ALLOWED_PORTS, logging a generic reason for the admins', async () => {
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: 'http://hooks.example.test/', events: ['*'] });
      // The row changed behind the validation (an older release, a manual edit): delivery checks again.
      await prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { url: 'http://hooks.example.test:6379/' },
      });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));

      const outcome = await runner.attempt(deliveryId!, 'scheduled');

      expect(outcome).toMatchObject({ kind: 'retry', error: expect.stringContaining('port 6379') });
      const [attempt] = await prisma.webhookAttempt.findMany({ where: { deliveryId: deliveryId! } });
      expect(attempt!.error).toBe(NOT_ALLOWED);
      expect(attempt!.error).not.toContain('6379');
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

    it('stores a generic reason for an unreachable receiver: no address or port in the delivery log', async () => {
      const closed = await receiver();
      const workspaceId = await workspace();
      const url = closed.url;
      await closed.close();
      await webhooks.create(workspaceId, actor, { url, events: ['*'] });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));

      await runner.attempt(deliveryId!, 'scheduled');

      const detail = await prisma.webhookDelivery.findUniqueOrThrow({
        where: { id: deliveryId! },
        include: { attemptLog: true },
      });
      expect(detail.error).toBe(UNREACHABLE);
      expect(detail.attemptLog.map((attempt) => attempt.error)).toEqual([UNREACHABLE]);
    });

    it('disables an endpoint that has failed continuously for 24 hours, before WEBHOOK_DISABLE_AFTER deliveries failed', async () => {
      const down = (await receiver()).otherwise({ kind: 'status', status: 503 });
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: down.url, events: ['*'] });
      const [first] = await deliveries.createFor(taskCreated(workspaceId));
      expect(await runner.attempt(first!, 'scheduled')).toMatchObject({ kind: 'retry' });
      const streak = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(streak).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: expect.any(Date) });
      // Every attempt since then failed too: the streak began 25 hours ago.
      await prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { failingSince: new Date(Date.now() - 25 * 60 * 60 * 1000) },
      });
      const [second] = await deliveries.createFor(taskCreated(workspaceId));

      const outcome = await runner.attempt(second!, 'scheduled');

      expect(outcome).toMatchObject({ kind: 'failed', endpointDisabled: true });
      const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(row).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('24 h') });
      expect(await prisma.outboxEvent.count({ where: { type: 'webhook.disabled', workspaceId } })).toBe(1);
    });

    it('ends the failing streak on a success: 24 hours are counted from the first failure after it', async () => {
      const flaky = (await receiver()).willReply({ kind: 'status', status: 500 });
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, { url: flaky.url, events: ['*'] });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));
      await runner.attempt(deliveryId!, 'scheduled');
      await prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { failingSince: new Date(Date.now() - 23 * 60 * 60 * 1000) },
      });

      expect(await runner.attempt(deliveryId!, 'scheduled')).toEqual({ kind: 'succeeded', status: 204 });

      const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(row).toMatchObject({ enabled: true, failingSince: null });
    });

    it('refuses the 26th endpoint of a workspace with limit_exceeded', async () => {
      const workspaceId = await workspace();
      const url = 'https://hooks.example.test/';
      for (let i = 0; i < 24; i += 1) await webhooks.create(workspaceId, actor, { url, events: ['*'] });
      // Two racing for the last place: exactly one gets it.
      const racing = await Promise.allSettled([
        webhooks.create(workspaceId, actor, { url, events: ['*'] }),
        webhooks.create(workspaceId, actor, { url, events: ['*'] }),
      ]);

      expect(racing.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(racing.find((result) => result.status === 'rejected')).toMatchObject({
        reason: { code: 'limit_exceeded' },
      });
      expect(await prisma.webhookEndpoint.count({ where: { workspaceId } })).toBe(25);
    });

    it('refuses to ping a disabled endpoint', async () => {
      const workspaceId = await workspace();
      const endpoint = await webhooks.create(workspaceId, actor, {
        url: 'https://hooks.example.test/',
        events: ['*'],
        enabled: false,
      });

      await expect(webhooks.ping(workspaceId, endpoint.id, actor)).rejects.toMatchObject({ code: 'conflict' });
      expect(await prisma.outboxEvent.count({ where: { type: 'webhook.ping', workspaceId } })).toBe(0);
    });

    it('allows 10 pings a minute per endpoint, then answers rate_limited with a Retry-After', async () => {
      const workspaceId = await workspace();
      const url = 'https://hooks.example.test/';
      const [endpoint, other] = [
        await webhooks.create(workspaceId, actor, { url, events: ['*'] }),
        await webhooks.create(workspaceId, actor, { url, events: ['*'] }),
      ];
      for (let i = 0; i < 10; i += 1) await webhooks.ping(workspaceId, endpoint.id, actor);

      await expect(webhooks.ping(workspaceId, endpoint.id, actor)).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterSeconds: expect.any(Number),
      });
      // Another endpoint has its own allowance.
      await expect(webhooks.ping(workspaceId, other.id, actor)).resolves.toEqual(expect.any(String));
    });

    it('allows 60 redeliveries a minute per workspace, then answers rate_limited', async () => {
      const workspaceId = await workspace();
      await webhooks.create(workspaceId, actor, { url: 'https://hooks.example.test/', events: ['*'] });
      const [deliveryId] = await deliveries.createFor(taskCreated(workspaceId));
      const endpointId = (await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId! } })).endpointId;
      for (let i = 0; i < 60; i += 1) await deliveries.requestRedelivery(workspaceId, endpointId, deliveryId!, actor);

      await expect(deliveries.requestRedelivery(workspaceId, endpointId, deliveryId!, actor)).rejects.toMatchObject({
        code: 'rate_limited',
      });
      // Another workspace is not held back by this one.
      const otherWorkspaceId = await workspace();
      await webhooks.create(otherWorkspaceId, actor, { url: 'https://hooks.example.test/', events: ['*'] });
      const [otherDelivery] = await deliveries.createFor(taskCreated(otherWorkspaceId));
      const otherEndpoint = (await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: otherDelivery! } }))
        .endpointId;
      await expect(
        deliveries.requestRedelivery(otherWorkspaceId, otherEndpoint, otherDelivery!, actor),
      ).resolves.toBeUndefined();
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
