import type { IncomingMessage } from 'node:http';

/**
 * OpenTelemetry tracing, started by each app's entry point before anything else is imported
 * (instrumentations patch `http`, `express`, `pg` and `ioredis` as they load, so the app's own
 * code is imported only after this has run). Off — nothing loaded, nothing patched — unless an
 * OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * and `OTEL_SDK_DISABLED` is not `true`. Everything else (protocol, sampler, batch sizes,
 * timeouts) is the SDK's reading of the standard `OTEL_*` variables.
 *
 * This file imports nothing from the platform: it runs before any of it may load.
 */

export type TracedService = 'api' | 'worker';

interface Shutdownable {
  shutdown(): Promise<void>;
}

let sdk: Shutdownable | undefined;

/**
 * The ES modules the instrumentations patch when imported (CommonJS ones are patched on
 * `require` anyway). Hooking only these keeps the start-up cost of the loader hook small.
 */
const ESM_INSTRUMENTED = ['http', 'https', 'node:http', 'node:https', 'express', 'pg', 'pg-pool', 'ioredis', 'undici'];

/** Paths never traced: probes and scrapes would drown every trace store in noise. */
const UNTRACED_PATHS = ['/health/', '/metrics'];

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Starts the SDK when configured; true when it did. */
export async function startTracing(service: TracedService, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (sdk !== undefined || !tracingRequested(env)) return false;
  // ES modules imported after this point go through import-in-the-middle (synchronous hooks in
  // this thread), so the instrumentations can patch them too: require-in-the-middle alone sees
  // only CommonJS, and the app imports node:http, pg and ioredis as ES modules.
  const { register } = await import('import-in-the-middle/register-hooks.mjs');
  register({ include: ESM_INSTRUMENTED });
  const [{ NodeSDK }, { HttpInstrumentation }, { ExpressInstrumentation, ExpressLayerType }, pg, ioredis, undici] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-express'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-undici'),
    ]);
  const started = new NodeSDK({
    serviceName: `groundwork-${service}`,
    // Metrics are Prometheus's (prom-client, /metrics); logs are pino's on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) =>
          UNTRACED_PATHS.some((path) => (req.url ?? '').startsWith(path)),
      }),
      // One span per route handler; the request's ~10 middlewares would add a span each.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      // Only statements inside a traced unit of work: the relay's idle polling starts no trace.
      new pg.PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
      new undici.UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  started.start();
  sdk = started;
  return true;
}

/**
 * Flushes what is buffered and stops exporting; never waits longer than `timeoutMs`, so an
 * unreachable collector cannot hold up a shutdown.
 */
export async function stopTracing(timeoutMs = 2000): Promise<void> {
  const running = sdk;
  if (running === undefined) return;
  sdk = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
