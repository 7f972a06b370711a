import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BullModule, InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import { RequestContext } from '@groundwork/platform';
import { DrainingWorkerHost, QueueModule } from '@groundwork/platform/queue';
import { platformTestingModule } from '../../support/platform-context.js';

const QUEUE = `drain-test-${randomBytes(3).toString('hex')}`;

/** Records what the job saw; lets the test release it when it chooses. */
@Injectable()
class JobProbe {
  started!: Promise<void>;
  markStarted!: () => void;
  release!: () => void;
  readonly released = new Promise<void>((resolve) => (this.release = resolve));
  finishedAt: number | undefined;
  requestIdSeen: string | undefined;

  constructor() {
    this.started = new Promise<void>((resolve) => (this.markStarted = resolve));
  }
}

@Processor(QUEUE)
class SlowProcessor extends DrainingWorkerHost<{ value: number }> {
  constructor(private readonly probe: JobProbe) {
    super();
  }

  protected async handle(): Promise<unknown> {
    this.probe.requestIdSeen = RequestContext.current()?.requestId;
    this.probe.markStarted();
    await this.probe.released;
    this.probe.finishedAt = Date.now();
    return { done: true };
  }
}

@Injectable()
class QueueHandle {
  constructor(@InjectQueue(QUEUE) readonly queue: Queue) {}
}

describe('DrainingWorkerHost on shutdown', () => {
  let moduleRef: TestingModule;
  let inspector: Queue;

  beforeAll(async () => {
    moduleRef = await platformTestingModule({
      imports: [QueueModule.forRoot(), BullModule.registerQueue({ name: QUEUE })],
      providers: [JobProbe, SlowProcessor, QueueHandle],
    });
  });

  afterAll(async () => {
    await inspector?.obliterate({ force: true });
    await inspector?.close();
  });

  it('lets the job in flight finish before the application context closes', async () => {
    const probe = moduleRef.get(JobProbe);
    const { queue } = moduleRef.get(QueueHandle);
    inspector = queue;
    const job: Job = await queue.add('slow', { value: 1, context: { requestId: 'req-drain-1' } });
    await probe.started;

    const closing = moduleRef.close().then(() => Date.now());
    // The job is still running while the context closes: release it a little later.
    setTimeout(() => probe.release(), 300);
    const closedAt = await closing;

    expect(probe.finishedAt).toBeDefined();
    expect(closedAt).toBeGreaterThanOrEqual(probe.finishedAt!);
    expect(probe.requestIdSeen).toBe('req-drain-1');
    // The queue connection closed with the module; read the job's state through a new one.
    const { Queue: QueueClass } = await import('bullmq');
    inspector = new QueueClass(QUEUE, { connection: queue.opts.connection, prefix: queue.opts.prefix });
    expect(await (await inspector.getJob(job.id!))?.getState()).toBe('completed');
  });
});
