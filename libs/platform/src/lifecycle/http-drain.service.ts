import type { Server } from 'node:http';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { LifecycleState } from './lifecycle.state.js';

export type DrainHook = () => void | Promise<void>;

/**
 * Graceful HTTP shutdown, run in `beforeApplicationShutdown` (docs/architecture.md, shutdown order):
 * readiness is already 503; wait the drain delay so load balancers stop sending; stop
 * accepting; close idle keep-alive sockets; let long-lived streams end (registered hooks);
 * wait for in-flight requests up to the timeout; only then cut what is left.
 */
@Injectable()
export class HttpDrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HttpDrainService.name);
  private readonly hooks: DrainHook[] = [];
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly lifecycle: LifecycleState,
    private readonly config: AppConfig,
  ) {}

  /** Long-lived connections (SSE, WebSocket) register how to end themselves. */
  onDrain(hook: DrainHook): void {
    this.hooks.push(hook);
  }

  /** Counts in-flight requests; once draining, responses ask clients to close the socket. */
  readonly trackRequests = (_req: unknown, res: import('node:http').ServerResponse, next: () => void): void => {
    this.inFlight += 1;
    if (this.lifecycle.draining) res.setHeader('Connection', 'close');
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    };
    // `on`, not `once`: a response emits each once, and `once` wraps the listener anew on every request.
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };

  async beforeApplicationShutdown(): Promise<void> {
    this.lifecycle.beginDrain();
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    const { drainDelayMs, timeoutMs } = this.config.shutdown;
    await new Promise((resolve) => setTimeout(resolve, drainDelayMs));

    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Keep-alive sockets that finish a response while draining are closed right after it.
    server.on('request', (_req, res) => res.setHeader('Connection', 'close'));
    this.logger.log({ inFlight: this.inFlight }, 'stopped accepting connections; draining in-flight requests');

    await Promise.allSettled(this.hooks.map((hook) => hook()));
    const drained =
      this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      this.logger.warn({ inFlight: this.inFlight }, 'shutdown timeout: closing remaining connections');
    server.closeIdleConnections();
    if (outcome === 'timeout') server.closeAllConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
}
