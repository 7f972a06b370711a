import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestCancelledError } from './request-cancellation.js';
import { RequestContext } from './request-context.js';
import { REQUEST_ID_HEADER, resolveRequestId, resolveTraceparent, resolveTracestate } from './request-id.js';

/** Express adds `ip` (honouring `trust proxy`); plain node:http requests fall back to the socket. */
export type RequestWithId = IncomingMessage & { id?: string; ip?: string };

/**
 * The first middleware of the api: gives the request its id (echoed as X-Request-Id) and runs
 * everything after it inside the request's AsyncLocalStorage context, whose `signal` aborts when
 * the client disconnects before the response is complete (or when the route times out).
 */
export function requestContextMiddleware(req: RequestWithId, res: ServerResponse, next: () => void): void {
  const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
  req.id = requestId;
  res.setHeader('X-Request-Id', requestId);
  const userAgent = req.headers['user-agent']?.slice(0, 512);
  // Its signal is created only if someone asks for it; a disconnect before that is kept.
  const traceparent = resolveTraceparent(req.headers.traceparent);
  const context = RequestContext.cancellable({
    requestId,
    traceparent,
    tracestate: resolveTracestate(req.headers.tracestate, traceparent),
    client: { ip: req.ip ?? req.socket.remoteAddress, userAgent },
  });
  // The response's 'close' (not the request's, which fires once the body is read) is the one
  // that means the connection went away; an ended response closing is the normal case.
  // `on`, not `once`: a response emits it once, and `once` wraps the listener anew on every request.
  res.on('close', () => {
    if (!res.writableEnded) RequestContext.cancel(new RequestCancelledError('client_disconnected'), context);
  });
  RequestContext.run(context, next);
}
