import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

/**
 * Work a request starts but does not wait for, so that its answer takes the same time whatever
 * the work is (an anonymous caller must not learn from timing whether an email has an
 * account). Each task keeps the request context it was started in (AsyncLocalStorage follows
 * the promise); a failure is logged, never thrown at anyone; the module waits for tasks still
 * running before it (and the database below it) closes.
 */
@Injectable()
export class BackgroundTasks implements OnModuleDestroy {
  private readonly logger = new Logger(BackgroundTasks.name);
  private readonly running = new Set<Promise<void>>();

  run(what: string, task: () => Promise<unknown>): void {
    const settled: Promise<void> = task().then(
      () => undefined,
      (error: unknown) => this.logger.error({ err: error, task: what }, 'background task failed'),
    );
    const tracked = settled.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Resolves once every task started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
  }
}
