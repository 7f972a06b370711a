import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RequestContext } from '../context/request-context.js';

/**
 * The W3C trace context of a unit of work as it is stored beside an event or a job, so the
 * work it causes later (relay, jobs, webhook deliveries) continues the same trace.
 */
export interface TraceCarrier {
  traceparent: string | null;
  tracestate: string | null;
}

const tracer = trace.getTracer('groundwork');

/**
 * OpenTelemetry's W3C propagator, used directly rather than through the global one: what is
 * stored is `traceparent`/`tracestate` whatever OTEL_PROPAGATORS says, and it works without the
 * SDK too (a stored context is then passed on unchanged).
 */
const w3c = new W3CTraceContextPropagator();

/**
 * The trace context of `active` (by default the active span: the request's, the job's) as W3C
 * headers. Without the SDK (no endpoint configured) no span is active, and the caller's own
 * `traceparent`/`tracestate` is passed on unchanged, so downstream systems still join its trace.
 */
export function currentTraceCarrier(active: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  w3c.inject(active, carrier, defaultTextMapSetter);
  if (carrier.traceparent !== undefined) {
    return { traceparent: carrier.traceparent, tracestate: carrier.tracestate ?? null };
  }
  const request = RequestContext.current();
  return { traceparent: request?.traceparent ?? null, tracestate: request?.tracestate ?? null };
}

/** The context a stored carrier describes (the root context when it holds none or a malformed one). */
export function contextFromCarrier(carrier: Partial<TraceCarrier> | null | undefined): Context {
  if (!carrier?.traceparent) return ROOT_CONTEXT;
  const headers: Record<string, string> = { traceparent: carrier.traceparent };
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** `traceId` and `spanId` of the active span, for log lines; empty outside a traced unit of work. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/**
 * Runs `work` in a new span (child of `parent`), recording an exception and an error status
 * when it throws. When the span does not record (the trace is not sampled, or the SDK is not
 * loaded), `work` runs without any active span instead, as an unsampled request does: the
 * database, Redis and HTTP instrumentations then skip it whole rather than creating
 * non-recording spans of their own, and its log lines carry no trace ids. The decision still
 * travels: `currentTraceCarrier` falls back to the request context's `traceparent`, the one the
 * work was handed (flagged not sampled), so what it causes stays out of the sample too.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  if (!span.isRecording()) return context.with(trace.deleteSpan(parent), () => work(span));
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** A PRODUCER span for handing a message to a queue, and the carrier the message should hold. */
export function startProducerSpan(queue: string, parent: Context): { span: Span; carrier: TraceCarrier } {
  const span = tracer.startSpan(
    `publish ${queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.destination.name': queue,
        'messaging.operation.type': 'send',
      },
    },
    parent,
  );
  const carrier = currentTraceCarrier(trace.setSpan(parent, span));
  return { span, carrier };
}

export { SpanKind };
