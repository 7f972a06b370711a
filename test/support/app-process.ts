import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports.js';

export { freePort };

export type AppName = 'api' | 'worker';

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** A script to run instead of the app's built main (e.g. a fixture that embeds the app). */
  script?: string;
  /** What to wait for before returning: the liveness probe (default), readiness, or nothing. */
  waitFor?: 'live' | 'ready' | 'none';
  timeoutMs?: number;
  /** The port to listen on, when the test must know it before the start (e.g. a redirect URI); default: a free one. */
  port?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A built app (dist/) running as a child process, as an operator would start it. */
export class AppProcess {
  private output = '';
  readonly exited: Promise<Exit>;

  private constructor(
    readonly name: AppName,
    readonly child: ChildProcess,
    readonly port: number,
    /** Where /metrics is served: the api's METRICS_PORT, the worker's WORKER_PORT. */
    readonly metricsPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The base URL of the process's Prometheus endpoint (`${metricsUrl}/metrics`). */
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}`;
  }

  /** Everything the process printed so far (its JSON log lines). */
  get logs(): string {
    return this.output;
  }

  /**
   * Resolves once `condition` holds, re-checked whenever the process prints: log lines reach the
   * pipe a little after what they describe (a job can be `completed` before its last line).
   */
  waitForOutput(condition: () => boolean, timeoutMs = 10_000, what = 'the expected output'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not print ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
      };
      // Registered after the constructor's listeners, so `output` already holds the new chunk.
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
    });
  }

  static async start(name: AppName, options: StartOptions = {}): Promise<AppProcess> {
    const port = options.port ?? (await freePort());
    const portVariable = name === 'api' ? 'PORT' : 'WORKER_PORT';
    const otherPort = await freePort();
    const metricsPort = name === 'api' ? Number(options.env?.METRICS_PORT ?? (await freePort())) : port;
    const script = options.script ?? path.resolve('dist', name, 'main.js');
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_DELAY_MS: '0',
        [portVariable]: String(port),
        ...(name === 'api'
          ? { WORKER_PORT: String(otherPort), METRICS_PORT: String(metricsPort) }
          : { PORT: String(otherPort) }),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(name, child, port, metricsPort);
    const waitFor = options.waitFor ?? 'live';
    if (waitFor === 'none') return app;
    try {
      await app.waitUntil(waitFor === 'live' ? '/health/live' : '/health/ready', options.timeoutMs ?? 20_000);
    } catch (error) {
      // The caller never gets the process to clean up: a boot that timed out must not outlive
      // the test (holding its ports, database and Redis connections) as an orphan.
      await app.kill();
      throw error;
    }
    return app;
  }

  /** Polls a probe until it answers 200; fails with the process's output if it never does. */
  async waitUntil(probe: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      try {
        const res = await fetch(`${this.url}${probe}`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} never answered 200 on ${probe}:\n${this.output.slice(-4000)}`);
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Test cleanup: whatever state the process is in, it is gone afterwards. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
