import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { idleEventConsumerQueues } from '../events/event-consumers.js';

/**
 * Starts the processors' BullMQ workers, which are created with `autorun: false`
 * (`workerOptions`). The worker's entry point calls `start()` once the app context is ready
 * and its logger attached, so no job runs — and logs — before then. A consumer queue whose
 * subscriptions all fail their condition under this configuration gets no jobs: its worker
 * is closed, never started.
 */
@Injectable()
export class QueueWorkers {
  private readonly logger = new Logger(QueueWorkers.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: AppConfig,
  ) {}

  start(): void {
    const idle = new Set<string>(idleEventConsumerQueues(this.config));
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    const started: WorkerHost[] = [];
    for (const host of hosts) {
      const worker = host.worker;
      if (idle.has(worker.name)) {
        // An idle queue's worker is closed: its Redis connections go with it.
        worker.close().catch((error: unknown) => worker.emit('error', error as Error));
        continue;
      }
      started.push(host);
      if (worker.isRunning()) continue;
      // run() settles only when the worker closes; a failure goes where BullMQ's autorun sends it.
      worker.run().catch((error: unknown) => worker.emit('error', error as Error));
    }
    this.logger.log(
      { queues: started.map((host) => host.worker.name), ...(idle.size > 0 ? { idle: [...idle] } : {}) },
      'queue workers started',
    );
  }
}
