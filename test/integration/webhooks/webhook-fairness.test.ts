import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import {
  AppConfig,
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
import { QueueModule, QueueWorkers } from '@groundwork/platform/queue';
import '@groundwork/work';
import { WebhookDeliveriesService, WebhookDeliveryRunner, WebhooksService } from '@groundwork/webhooks';
import { deliveryJobOptions, type WebhookDeliveryJob } from '../../../apps/worker/src/webhooks/webhook-delivery.job.js';
import { WebhooksWorkerModule } from '../../../apps/worker/src/webhooks/webhooks-worker.module.js';
import { within } from '../../support/wait.js';
import { taskCreated } from '../../support/task-created-event.js';
import { WebhookReceiver } from '../../support/webhook-receiver.js';

const SLOTS = 2;

/**
 * The delivery worker as deployed (its BullMQ processor, the real queue in Redis), with a
 * receiver that never answers in one workspace: more of its deliveries than the worker has
 * slots must not delay another workspace's delivery.
 */
describe('webhook delivery fairness between workspaces (worker, real Redis and PostgreSQL)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let queue: Queue<WebhookDeliveryJob>;
  const receivers: WebhookReceiver[] = [];
  const actor = { userId: newId(), role: 'admin' as const };

  beforeAll(async () => {
    const config = loadAppConfig('worker', {
      ...process.env,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_RETRY_DELAYS: '200ms',
      // Far longer than the test waits for the other workspace: only fairness can make it in time.
      WEBHOOK_TIMEOUT_MS: '20000',
      WEBHOOK_WORKSPACE_CONCURRENCY: String(SLOTS),
      LOG_LEVEL: 'error',
    });
    moduleRef = await Test.createTestingModule({
      imports: [
        PlatformConfigModule.forRoot('worker', config),
        DatabaseModule,
        RedisModule,
        MetricsModule,
        AuditModule,
        EventsModule,
        CryptoModule,
        QueueModule.forRoot(),
        WebhooksWorkerModule,
      ],
    }).compile();
    await moduleRef.init();
    // The processors' workers are created stopped; the worker's entry point starts them so.
    moduleRef.get(QueueWorkers).start();
    prisma = moduleRef.get(PrismaService);
    queue = moduleRef.get(getQueueToken('webhook-deliveries'));
  });

  afterAll(async () => {
    // The hanging requests end with their receiver, so the worker can drain and close.
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await moduleRef?.close();
  });

  async function workspaceWithEndpoint(url: string): Promise<string> {
    const id = newId();
    await prisma.workspace.create({ data: { id, name: 'Fair', slug: `fair-${id}` } });
    await moduleRef.get(WebhooksService).create(id, actor, { url, events: ['*'] });
    return id;
  }

  async function enqueueDeliveries(workspaceId: string, count: number): Promise<void> {
    const deliveries = moduleRef.get(WebhookDeliveriesService);
    const runner = moduleRef.get(WebhookDeliveryRunner);
    const config = moduleRef.get(AppConfig);
    const ids = (
      await Promise.all(Array.from({ length: count }, () => deliveries.createFor(taskCreated(workspaceId))))
    ).flat();
    await queue.addBulk(
      ids.map((deliveryId) => ({
        name: 'task.created',
        data: { deliveryId, workspaceId, mode: 'scheduled' as const, context: {} },
        opts: deliveryJobOptions(`delivery_${deliveryId}`, runner.maxAttempts, config),
      })),
    );
  }

  it(`holds one workspace's hanging receivers to ${SLOTS} slots while another workspace's delivery arrives at once`, async () => {
    const hanging = (await WebhookReceiver.start()).otherwise({ kind: 'hang' });
    const healthy = await WebhookReceiver.start();
    receivers.push(hanging, healthy);
    const [stalled, other] = [await workspaceWithEndpoint(hanging.url), await workspaceWithEndpoint(healthy.url)];

    // More deliveries than the worker has slots in all (20).
    await enqueueDeliveries(stalled, 30);
    await hanging.waitForRequests(SLOTS);
    await enqueueDeliveries(other, 1);

    await within(healthy.waitForRequests(1), 5_000, "the other workspace's delivery did not arrive within 5 s");
    expect(hanging.requests.length).toBeLessThanOrEqual(SLOTS);
  });
});
