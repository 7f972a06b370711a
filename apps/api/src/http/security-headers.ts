import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * helmet's headers, worked out once at startup: with a static policy they are the same on
 * every response, so each request only copies them (helmet itself runs a dozen sub-middlewares
 * per request). Throws at boot if the policy turns out to depend on the request.
 */
export function staticSecurityHeaders(options: HelmetOptions): Middleware {
  const headers: [string, string][] = [];
  const removed: string[] = [];
  const probe = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  } as unknown as ServerResponse;
  let done = false;
  (helmet(options) as unknown as Middleware)({ headers: {} } as IncomingMessage, probe, () => (done = true));
  if (!done) throw new Error('helmet did not complete synchronously; cannot precompute its headers');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
