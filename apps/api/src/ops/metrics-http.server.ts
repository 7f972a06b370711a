import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, MetricsService, PROBLEM_CONTENT_TYPE, problemTitle, problemType } from '@groundwork/platform';

/**
 * The api's Prometheus scrape endpoint, on METRICS_PORT and not on the public PORT: what the
 * metrics tell (routes, load, queue depths) is for operators, not for the internet. A bare
 * node:http server: no middleware, no rate limit, no trace, nothing that could fail a scrape.
 */
@Injectable()
export class MetricsHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsHttpServer.name);
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        const status = path === '/metrics' ? 405 : 404;
        res.writeHead(status, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' });
        res.end(
          JSON.stringify({
            type: problemType(status === 404 ? 'not-found' : 'method-not-allowed'),
            title: problemTitle(status),
            status,
            detail: 'the metrics port serves GET /metrics only',
          }),
        );
        return;
      }
      this.metrics.render().then(
        (body) => {
          res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
          res.end(body);
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics scrape failed');
          res.writeHead(500).end();
        },
      );
    });
    this.server = server;
    // A metrics port that cannot be bound costs the metrics, not the api: it keeps serving.
    await new Promise<void>((resolve) => {
      server.once('error', (error) => {
        this.logger.error({ err: error, port: this.config.http.metricsPort }, 'metrics port unavailable; no /metrics');
        this.server = undefined;
        resolve();
      });
      server.listen(this.config.http.metricsPort, () => {
        this.logger.log({ port: (server.address() as AddressInfo).port }, 'metrics listening');
        resolve();
      });
    });
  }

  /** Closed with the process: Prometheus may scrape a draining instance. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
