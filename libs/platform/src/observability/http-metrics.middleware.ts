import type { ServerResponse } from 'node:http';
import type { MetricsService } from './metrics.service.js';
import { type RoutedRequest, routeTemplate } from './route-template.js';

/** The `method` label: the methods the api routes, anything else (WebDAV, PURGE…) as `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request and labels it with the route *template* (`/v1/workspaces/:workspaceId`),
 * never the raw path, so label cardinality stays bounded; unmatched paths share one label.
 * Also counts the requests in flight (until the response closes, answered or abandoned).
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const end = metrics.httpDuration.startTimer();
    metrics.httpInFlight.inc();
    // `on`, not `once`: a response emits each once, and `once` wraps the listener anew on every request.
    res.on('close', () => metrics.httpInFlight.dec());
    res.on('finish', () => {
      const route = routeTemplate(req) ?? 'unmatched';
      const method = req.method !== undefined && METHODS.has(req.method) ? req.method : 'other';
      end({ method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
