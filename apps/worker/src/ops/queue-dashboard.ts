import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import { AppConfig, queueNames } from '@groundwork/platform';

export const QUEUE_DASHBOARD_PATH = '/queues';

/** `Bearer <token>` (scripts) or Basic with the token as password (a browser's own prompt). */
function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Bull Board over every queue, on the worker's internal port under /queues: off unless
 * QUEUE_DASHBOARD_TOKEN is set, and behind that token. Read-only (no retry, promote, clean or
 * remove: the UI hides them, the API refuses them, and only GET passes here) unless
 * QUEUE_DASHBOARD_WRITABLE is true.
 */
@Injectable()
export class QueueDashboard implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueDashboard.name);
  private handler: express.Express | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  get enabled(): boolean {
    return this.config.worker.queueDashboard.token !== '';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    const { writable } = this.config.worker.queueDashboard;
    const queues = queueNames().flatMap((name) => {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      return queue ? [new BullMQAdapter(queue, { readOnlyMode: !writable, allowRetries: writable })] : [];
    });
    const adapter = new ExpressAdapter();
    adapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({ queues, serverAdapter: adapter, options: { uiConfig: { boardTitle: 'Groundwork queues' } } });
    const app = express();
    app.disable('x-powered-by');
    app.use(QUEUE_DASHBOARD_PATH, adapter.getRouter() as express.Router);
    this.handler = app;
    this.logger.log({ path: QUEUE_DASHBOARD_PATH, writable }, 'queue dashboard enabled');
  }

  /** Answers a request under /queues: 404 while off, 401 without the token, 405 for a write when read-only. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.handler === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    if (!sameToken(presentedToken(req.headers.authorization), this.config.worker.queueDashboard.token)) {
      res
        .writeHead(401, { 'WWW-Authenticate': 'Basic realm="queues", charset="UTF-8"', 'Cache-Control': 'no-store' })
        .end('the queue dashboard needs its token');
      return;
    }
    if (!this.config.worker.queueDashboard.writable && req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end('the queue dashboard is read-only');
      return;
    }
    this.handler(req, res);
  }
}
