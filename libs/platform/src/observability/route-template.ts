import type { IncomingMessage } from 'node:http';

/** A request as Express leaves it once routed: the matched route and the router's mount path. */
export type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/**
 * The route *template* the request matched (`/v1/workspaces/:workspaceId`), never the raw path;
 * undefined when no route matched. What metrics label and SERVER spans are named by.
 */
export function routeTemplate(req: RoutedRequest): string | undefined {
  const template = req.route?.path;
  return template === undefined ? undefined : `${req.baseUrl ?? ''}${template}`;
}
