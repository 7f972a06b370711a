import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsService } from './metrics.service.js';

type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/**
 * Times every request and labels it with the route *template* (`/v1/workspaces/:workspaceId`),
 * never the raw path, so label cardinality stays bounded; unmatched paths share one label.
 * Also counts the requests in flight (until the response closes, answered or abandoned).
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const end = metrics.httpDuration.startTimer();
    metrics.httpInFlight.inc();
    res.once('close', () => metrics.httpInFlight.dec());
    res.once('finish', () => {
      const template = req.route?.path;
      const route = template === undefined ? 'unmatched' : `${req.baseUrl ?? ''}${template}`;
      end({ method: req.method ?? 'UNKNOWN', route, status_code: String(res.statusCode) });
    });
    next();
  };
}
