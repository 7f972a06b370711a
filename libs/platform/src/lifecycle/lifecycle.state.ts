import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this instance is shutting down. Set by the first shutdown hook Nest calls, so
 * readiness answers 503 the moment SIGTERM lands, before anything else closes.
 */
@Injectable()
export class LifecycleState implements OnModuleDestroy {
  private readonly logger = new Logger(LifecycleState.name);
  private drainingSince: number | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beginDrain(): void {
    if (this.drainingSince !== undefined) return;
    this.drainingSince = Date.now();
    this.logger.log('shutdown started: readiness now reports draining');
  }

  onModuleDestroy(): void {
    this.beginDrain();
  }
}
