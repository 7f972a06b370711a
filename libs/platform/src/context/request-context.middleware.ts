import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from './request-context.js';
import { REQUEST_ID_HEADER, resolveRequestId, resolveTraceparent } from './request-id.js';

export type RequestWithId = IncomingMessage & { id?: string };

/**
 * The first middleware of the api: gives the request its id (echoed as X-Request-Id) and runs
 * everything after it inside the request's AsyncLocalStorage context.
 */
export function requestContextMiddleware(req: RequestWithId, res: ServerResponse, next: () => void): void {
  const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
  req.id = requestId;
  res.setHeader('X-Request-Id', requestId);
  RequestContext.run({ requestId, traceparent: resolveTraceparent(req.headers.traceparent) }, next);
}
