import type { ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { RequestContext } from '../context/request-context.js';
import { type RoutedRequest, routeTemplate } from './route-template.js';
import { UNTRACED_PATHS } from './tracing.js';

const tracer = trace.getTracer('groundwork');

/**
 * The api's SERVER span for every request but probes and scrapes, registered only when tracing
 * runs: a child of the caller's W3C `traceparent` (a malformed one starts a new trace), named
 * `METHOD /route/template` once the request is answered (just the method when no route
 * matched), ended when the response closes; 5xx answers mark it as an error. Everything after
 * this middleware runs inside the span, so log lines, database and Redis spans and the outbox's
 * trace context all belong to it. Instead of OpenTelemetry's incoming-request and Express
 * instrumentations: those patch every request and every Express layer, sampled or not.
 *
 * A request the sampler leaves out runs on without any span: the database, Redis and HTTP
 * instrumentations act only under one, so it pays for none of them, and its log lines carry no
 * trace ids (there is no trace to find). The decision still travels: the request context's
 * `traceparent` becomes this span's, flagged not sampled, so the outbox rows it writes — and the
 * jobs and deliveries they cause — stay out of the sample too.
 */
export function serverSpanMiddleware(req: RoutedRequest, res: ServerResponse, next: () => void): void {
  const url = req.url ?? '/';
  if (UNTRACED_PATHS.some((path) => url.startsWith(path))) {
    next();
    return;
  }
  const method = req.method ?? 'GET';
  // Most requests carry no trace context: nothing to parse then.
  const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
  if (!span.isRecording()) {
    const request = RequestContext.current();
    if (request !== undefined) {
      const { traceId, spanId } = span.spanContext();
      request.traceparent = `00-${traceId}-${spanId}-00`;
    }
    next();
    return;
  }
  const query = url.indexOf('?');
  span.setAttributes({
    'http.request.method': method,
    // The path only: query strings can carry tokens.
    'url.path': query === -1 ? url : url.slice(0, query),
    'url.scheme': 'http',
    'user_agent.original': req.headers['user-agent']?.slice(0, 512) ?? '',
  });
  res.once('close', () => {
    const route = routeTemplate(req);
    if (route !== undefined) {
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
