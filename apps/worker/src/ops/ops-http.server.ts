import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  AppConfig,
  MetricsService,
  PROBLEM_CONTENT_TYPE,
  problemTitle,
  problemType,
  ReadinessService,
  resolveRequestId,
} from '@groundwork/platform';
import { QUEUE_DASHBOARD_PATH, QueueDashboard } from './queue-dashboard.js';

/**
 * The worker's only HTTP surface, on WORKER_PORT: the probes, /metrics and, when configured,
 * the queue dashboard under /queues. A bare node:http server, because the worker is an
 * application context, not a web app.
 */
@Injectable()
export class OpsHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpsHttpServer.name);
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
    private readonly dashboard: QueueDashboard,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.dashboard.start();
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.error({ err: error }, 'ops request failed');
        if (!res.headersSent) this.send(res, 500, PROBLEM_CONTENT_TYPE, this.problem(500, req, 'internal-error'));
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.worker.port, () => resolve());
    });
    this.logger.log({ port: this.config.worker.port }, 'worker health and metrics listening');
  }

  /** Closed last, so probes keep answering (503) while jobs drain. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Request-Id', resolveRequestId(req.headers['x-request-id']));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === QUEUE_DASHBOARD_PATH || path.startsWith(`${QUEUE_DASHBOARD_PATH}/`)) {
      this.dashboard.handle(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.send(res, 405, PROBLEM_CONTENT_TYPE, this.problem(405, req, 'method-not-allowed'));
      return;
    }
    switch (path) {
      case '/health/live':
        this.send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
        return;
      case '/health/ready': {
        const report = await this.readiness.report();
        this.send(res, ReadinessService.isReady(report) ? 200 : 503, 'application/json', JSON.stringify(report));
        return;
      }
      case '/metrics':
        this.send(res, 200, this.metrics.contentType, await this.metrics.render());
        return;
      default:
        this.send(res, 404, PROBLEM_CONTENT_TYPE, this.problem(404, req, 'not-found'));
    }
  }

  private problem(status: number, req: IncomingMessage, slug: string): string {
    return JSON.stringify({
      type: problemType(slug),
      title: problemTitle(status),
      status,
      detail: `${req.method ?? ''} ${req.url ?? ''} is not served by the worker`,
      instance: (req.url ?? '').split('?')[0],
    });
  }

  private send(res: ServerResponse, status: number, contentType: string, body: string): void {
    res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    res.end(body);
  }
}
