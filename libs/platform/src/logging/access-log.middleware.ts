import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { context as otelContext, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { RequestContext } from '../context/request-context.js';
import { redactUrl } from './redact-url.js';

/**
 * One JSON access-log line per request, written when the response finishes — including
 * requests refused before Nest (body parser 400/413), since it runs second in the chain.
 * Leaner than pino-http (no per-request child loggers): the line carries only method, URL,
 * user agent, status and duration, plus the request context through the logger's mixin. Tokens
 * that travel in URLs (invitation tokens, OIDC code and state, tickets, signatures) are redacted.
 */
export function accessLogMiddleware(logger: Logger, slowRequestMs = Number.POSITIVE_INFINITY) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = performance.now();
    const context = RequestContext.current();
    const span = trace.getActiveSpan();
    // `on`, not `once`: a response emits it once, and `once` wraps the listener anew on every request.
    res.on('finish', () => {
      const status = res.statusCode;
      const responseTime = Math.round(performance.now() - started);
      const slow = responseTime >= slowRequestMs;
      const level = status >= 500 ? 'error' : status >= 400 || slow ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line = {
        req: { method: req.method, url: redactUrl(req.url), userAgent: req.headers['user-agent'] },
        res: { statusCode: status },
        responseTime,
        // At warn, so a slow request shows at the production level with its request and trace ids.
        ...(slow ? { slow: true } : {}),
      };
      // 'finish' fires outside the request's async context: log inside it (and its span) again,
      // so the line carries the request id and the trace and span ids.
      const write = () => logger[level](line, 'request completed');
      const inSpan = span ? () => otelContext.with(trace.setSpan(otelContext.active(), span), write) : write;
      if (context) RequestContext.run(context, inSpan);
      else inSpan();
    });
    next();
  };
}

/**
 * Development only: a `Server-Timing: app;dur=<ms>` header (the api's own time until the
 * response headers), which browser developer tools show beside the network timings.
 */
export function serverTimingMiddleware(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const started = performance.now();
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (!res.headersSent) res.setHeader('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
  next();
}
