import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../support/app-process.js';
import { eventually } from '../support/wait.js';
import {
  errorCode,
  errorMessage,
  jsonLogLines,
  newConnectionOutcome,
  rawRequest,
  readiness,
  type RawResponse,
} from './http-client.js';

/** The real api plus one test route, /test/slow?ms=N, that answers after N ms. */
const SLOW_API = path.resolve('test/fixtures/slow-api.js');

const SLOW_STARTED = 'test: slow request started';

function indexOfMessage(logs: string, msg: string): number {
  return jsonLogLines(logs).findIndex((line) => line.msg === msg);
}

describe('graceful shutdown (docs/architecture.md, shutdown order)', () => {
  let app: AppProcess | undefined;

  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });

  it('on SIGTERM the api reports draining, stops accepting after the drain delay, finishes the request in flight and exits 0', async () => {
    const api = await AppProcess.start('api', {
      script: SLOW_API,
      env: { SHUTDOWN_DRAIN_DELAY_MS: '500', SHUTDOWN_TIMEOUT_MS: '5000' },
    });
    app = api;
    const slow = rawRequest(`${api.url}/test/slow?ms=2000`).then((res) => ({ ...res, at: Date.now() }));
    await eventually(async () => api.logs.includes(SLOW_STARTED), 5000);

    const exit = api.stop('SIGTERM');

    // Within the drain delay the server still answers, and readiness says why it is failing.
    const draining = await eventually(async () => {
      const ready = await readiness(api.url);
      return ready.status === 503 && ready.body;
    }, 2000);
    expect(draining.status).toBe('draining');

    // After the drain delay a new client is refused, while the slow request is still running.
    const refusedAt = await eventually(
      async () => (await newConnectionOutcome(api.url)) === 'refused' && Date.now(),
      4000,
      25,
    );

    const response = await slow;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
    expect(response.at).toBeGreaterThanOrEqual(refusedAt);
    expect(await exit).toEqual({ code: 0, signal: null });

    const signalled = indexOfMessage(api.logs, 'shutting down gracefully');
    const drainStarted = indexOfMessage(api.logs, 'shutdown started: readiness now reports draining');
    const stoppedAccepting = indexOfMessage(api.logs, 'stopped accepting connections; draining in-flight requests');
    expect(signalled).toBeGreaterThanOrEqual(0);
    expect(drainStarted).toBeGreaterThan(signalled);
    expect(stoppedAccepting).toBeGreaterThan(drainStarted);
    expect(jsonLogLines(api.logs)[stoppedAccepting]?.inFlight).toBeGreaterThanOrEqual(1);
    expect(api.logs).not.toContain('shutdown timeout');
  });

  it('cuts a request still running at SHUTDOWN_TIMEOUT_MS and still exits 0, long before the request would end', async () => {
    const api = await AppProcess.start('api', {
      script: SLOW_API,
      env: { SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '300' },
    });
    app = api;
    const slow: Promise<RawResponse | unknown> = rawRequest(`${api.url}/test/slow?ms=5000`).catch(
      (error: unknown) => error,
    );
    await eventually(async () => api.logs.includes(SLOW_STARTED), 5000);

    const signalledAt = Date.now();
    const exit = await api.stop('SIGTERM');
    const shutdownMs = Date.now() - signalledAt;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(shutdownMs).toBeLessThan(3000);
    const outcome = await slow;
    expect(errorCode(outcome)).toBe('ECONNRESET');
    expect(errorMessage(outcome)).toBe('socket hang up');
    expect(api.logs).toContain('shutdown timeout: closing remaining connections');
  });

  it('on SIGTERM the worker stops with exit code 0, readiness never returning to 200 once it fails', async () => {
    const worker = await AppProcess.start('worker', { waitFor: 'ready' });
    app = worker;
    const observed: { status: number; body: string }[] = [];
    let exited = false;
    // Probe readiness as fast as possible until the exit: whatever is seen must be monotone.
    const probing = (async () => {
      while (!exited) {
        try {
          const res = await rawRequest(`${worker.url}/health/ready`, { timeoutMs: 1000 });
          observed.push({ status: res.status, body: res.body });
        } catch {
          // closed at the very end of the shutdown
        }
      }
    })();
    await eventually(async () => observed.length > 0, 5000, 10);

    const exit = await worker.stop('SIGTERM');
    exited = true;
    await probing;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.logs).toContain('shutting down gracefully');
    expect(worker.logs).toContain('shutdown started: readiness now reports draining');
    const firstFailure = observed.findIndex((res) => res.status !== 200);
    const afterFailure = firstFailure === -1 ? [] : observed.slice(firstFailure);
    for (const res of afterFailure) {
      expect(res.status).toBe(503);
      expect((JSON.parse(res.body) as { status: string }).status).toBe('draining');
    }
  });
});
