import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { LifecycleState } from './lifecycle.state.js';

/** The app's lifecycle state, when it has one (every app importing LifecycleModule does). */
function drainState(app: INestApplicationContext): LifecycleState | undefined {
  try {
    return app.get(LifecycleState, { strict: false });
  } catch {
    return undefined;
  }
}
import { stopTracing } from '../observability/tracing.js';

/**
 * SIGTERM/SIGINT → the graceful shutdown (Nest's hooks in the order docs/architecture.md gives) → exit 0.
 * Used instead of Nest's `enableShutdownHooks`, which re-raises the signal after closing so the
 * process dies with 143: an orchestrator would record a clean, drained stop as a failure.
 * A second signal while draining forces the exit. Buffered trace spans are flushed last, for at
 * most two seconds.
 */
export function exitGracefullyOnSignals(app: INestApplicationContext): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.log({ signal }, 'shutting down gracefully');
    // Readiness turns to draining now, not when Nest reaches this module's destroy hook: other
    // modules' hooks run first and may take a while, and the proxy must stop sending at once.
    drainState(app)?.beginDrain();
    // Spans still buffered are flushed last (bounded: a dead collector cannot hold the exit).
    app.close().then(
      () => stopTracing().then(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
