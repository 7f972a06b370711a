import type { Counter, Meter, MeterProvider, MetricOptions } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, started by each app's entry point before anything else is imported
 * (instrumentations patch `http`, `pg`, `ioredis` and `undici` as they load, so the app's own
 * code is imported only after this has run). Off — nothing loaded, nothing patched — unless an
 * OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * and `OTEL_SDK_DISABLED` is not `true`. Everything else (sampler, batch sizes, timeouts,
 * headers, service name) is the SDK components' reading of the standard `OTEL_*` variables.
 *
 * Only the tracing parts of the SDK are loaded: a tracer provider with one batch span processor
 * and an OTLP/HTTP exporter, the AsyncLocalStorage context manager and the W3C trace-context
 * propagator (`OTEL_PROPAGATORS` is not read), not `@opentelemetry/sdk-node`'s `NodeSDK`, which
 * also loads the metrics and logs SDKs, the gRPC, Zipkin and Prometheus exporters and the host
 * and process resource detectors, none of them used here (metrics are prom-client's, logs pino's).
 *
 * What tracing costs a request that is not sampled is kept small: incoming requests get their
 * SERVER span from the api's own middleware (`serverSpanMiddleware`: probes and scrapes never
 * reach the SDK, the span is named by route template without Express's per-layer
 * instrumentation), and the database, Redis and outgoing HTTP instrumentations act only inside
 * a traced unit of work.
 *
 * Spans wait for export in one bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048 by default): a
 * slow or unreachable collector costs at most that many spans of memory, and every span dropped
 * (queue full, or a batch the collector did not take) is counted (`droppedSpans`, exported as
 * `groundwork_tracing_spans_dropped_total`).
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
const ESM_INSTRUMENTED = ['http', 'https', 'node:http', 'node:https', 'pg', 'pg-pool', 'ioredis', 'undici'];

/** Paths never traced: probes and scrapes would drown every trace store in noise. */
export const UNTRACED_PATHS = ['/health/', '/metrics'];

/** Why a span never reached the collector. */
export type SpanDropReason = 'queue_full' | 'export_failed';

const dropped: Record<SpanDropReason, number> = { queue_full: 0, export_failed: 0 };

/** Spans dropped since the process started, by reason. */
export function droppedSpans(): Readonly<Record<SpanDropReason, number>> {
  return dropped;
}

/** Whether this process exports traces (`startTracing` started the SDK). */
export function tracingStarted(): boolean {
  return sdk !== undefined;
}

/** The SDK's own measure of its span processor (OpenTelemetry semantic conventions). */
const PROCESSED_SPANS = 'otel.sdk.processor.span.processed';

/**
 * What the batch span processor reports about itself (`selfObsMeterProvider`), reduced to the
 * spans it dropped: `error.type` is `queue_full` when its queue was full, the export error's
 * name when the collector did not take a batch. Every other instrument is a no-op.
 */
function droppedSpansMeterProvider(noopMeter: Meter): MeterProvider {
  const processed: Counter = {
    add(value, attributes) {
      const errorType = attributes?.['error.type'];
      if (errorType === undefined) return;
      dropped[errorType === 'queue_full' ? 'queue_full' : 'export_failed'] += value;
    },
  };
  const meter = Object.create(noopMeter) as Meter;
  meter.createCounter = (name: string, options?: MetricOptions) =>
    name === PROCESSED_SPANS ? processed : noopMeter.createCounter(name, options);
  return { getMeter: () => meter };
}

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
  const [
    api,
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { defaultResource, detectResources, envDetector, resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor },
    { HttpInstrumentation },
    pg,
    ioredis,
    undici,
    { OTLPTraceExporter },
  ] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
    // OTLP over HTTP: JSON when asked for, protobuf (the specification's default) otherwise.
    (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  // The batch sizes, delay and timeout come from the OTEL_BSP_* variables (the processor's own
  // reading), the endpoint, headers and timeout from OTEL_EXPORTER_OTLP_* (the exporter's); the
  // processor reports to `selfObsMeterProvider`, which its options type leaves out.
  const selfObservation: object = { selfObsMeterProvider: droppedSpansMeterProvider(api.createNoopMeter()) };
  const processor = new BatchSpanProcessor(new OTLPTraceExporter(), selfObservation);
  // The sampler is the provider's reading of OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG
  // (parent-based always-on when unset); OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when
  // set, override the service name.
  const provider = new BasicTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': `groundwork-${service}` }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [processor],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  // Each instrumentation enables itself as it is made, on the global tracer provider just set.
  // Outgoing requests only (webhooks, OIDC, S3), and only inside a traced unit of work; the api's
  // SERVER spans come from its own middleware.
  new HttpInstrumentation({ disableIncomingRequestInstrumentation: true, requireParentforOutgoingSpans: true });
  // Only statements inside a traced unit of work: the relay's idle polling starts no trace.
  new pg.PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false });
  new ioredis.IORedisInstrumentation({ requireParentSpan: true });
  new undici.UndiciInstrumentation({ requireParentforSpans: true });
  sdk = provider;
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
