import type { IncomingMessage, ServerResponse } from 'node:http';

/** A connect-style middleware: calls `next()` to go on, `next(error)` to fail the request. */
export type Middleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Several middlewares run in order as one: the router then walks one layer instead of one per
 * middleware (each layer costs a path match and a `next` round trip on every request). The
 * first error, passed to `next` or thrown, ends the chain and goes to the outer `next`, as it
 * would between router layers.
 */
export function middlewareChain<Req extends IncomingMessage>(...middlewares: Middleware<Req>[]): Middleware<Req> {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined) return next(error);
      const middleware = middlewares[index];
      index += 1;
      if (middleware === undefined) return next();
      try {
        middleware(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}

/**
 * Runs `middleware` only for a request that announces a body (a Content-Length or
 * Transfer-Encoding header: body-parser's own test); any other request skips it whole. For the
 * body stage — media-type check, parsers, shape check — which does nothing without a body.
 */
export function forRequestsWithBody<Req extends IncomingMessage>(middleware: Middleware<Req>): Middleware<Req> {
  return (req, res, next) => {
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) return next();
    middleware(req, res, next);
  };
}
