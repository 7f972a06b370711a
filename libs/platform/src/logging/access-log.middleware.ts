import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
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
export function accessLogMiddleware(logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = performance.now();
    const context = RequestContext.current();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line = {
        req: { method: req.method, url: redactUrl(req.url), userAgent: req.headers['user-agent'] },
        res: { statusCode: status },
        responseTime: Math.round(performance.now() - started),
      };
      // 'finish' fires outside the request's async context: log inside it again.
      const write = () => logger[level](line, 'request completed');
      if (context) RequestContext.run(context, write);
      else write();
    });
    next();
  };
}
