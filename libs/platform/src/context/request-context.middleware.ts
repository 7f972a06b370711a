import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from './request-context.js';
import { REQUEST_ID_HEADER, resolveRequestId, resolveTraceparent } from './request-id.js';

/** Express adds `ip` (honouring `trust proxy`); plain node:http requests fall back to the socket. */
export type RequestWithId = IncomingMessage & { id?: string; ip?: string };

/**
 * The first middleware of the api: gives the request its id (echoed as X-Request-Id) and runs
 * everything after it inside the request's AsyncLocalStorage context.
 */
export function requestContextMiddleware(req: RequestWithId, res: ServerResponse, next: () => void): void {
  const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
  req.id = requestId;
  res.setHeader('X-Request-Id', requestId);
  const userAgent = req.headers['user-agent']?.slice(0, 512);
  RequestContext.run(
    {
      requestId,
      traceparent: resolveTraceparent(req.headers.traceparent),
      client: { ip: req.ip ?? req.socket.remoteAddress, userAgent },
    },
    next,
  );
}
