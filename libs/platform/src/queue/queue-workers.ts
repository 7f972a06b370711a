import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/**
 * Starts the processors' BullMQ workers, which are created with `autorun: false`
 * (`workerOptions`). The worker's entry point calls `start()` once the app context is ready
 * and its logger attached, so no job runs — and logs — before then.
 */
@Injectable()
export class QueueWorkers {
  private readonly logger = new Logger(QueueWorkers.name);

  constructor(private readonly discovery: DiscoveryService) {}

  start(): void {
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    for (const host of hosts) {
      const worker = host.worker;
      if (worker.isRunning()) continue;
      // run() settles only when the worker closes; a failure goes where BullMQ's autorun sends it.
      worker.run().catch((error: unknown) => worker.emit('error', error as Error));
    }
    this.logger.log({ queues: hosts.map((host) => host.worker.name) }, 'queue workers started');
  }
}
