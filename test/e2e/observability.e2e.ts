import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../support/app-process.js';
import { eventually } from '../support/wait.js';
import { jsonLogLines, rawRequest } from './http-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Waits for the access-log line ("request completed") of the request with this id. */
function accessLogLine(app: AppProcess, requestId: string): Promise<Record<string, unknown>> {
  return eventually(
    async () => jsonLogLines(app.logs).find((line) => line.msg === 'request completed' && line.requestId === requestId),
    5000,
  );
}

describe('observability of the api (pino JSON logs, request ids, Prometheus metrics)', () => {
  let api: AppProcess;

  beforeAll(async () => {
    // The most verbose level: nothing logged at any level may carry a credential.
    api = await AppProcess.start('api', { env: { LOG_LEVEL: 'trace' } });
  });

  afterAll(async () => {
    await api?.kill();
  });

  it('echoes a valid X-Request-Id and writes the same id on the access-log line of that request', async () => {
    const requestId = `e2e-${Date.now()}`;
    const res = await rawRequest(`${api.url}/health/live`, { headers: { 'X-Request-Id': requestId } });

    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(requestId);
    const line = await accessLogLine(api, requestId);
    expect(line).toMatchObject({
      service: 'api',
      req: { method: 'GET', url: '/health/live' },
      res: { statusCode: 200 },
    });
  });

  it('generates a distinct UUID request id when none is sent, also on a 404 problem, and logs it', async () => {
    const first = await rawRequest(`${api.url}/health/live`);
    const second = await rawRequest(`${api.url}/no/such/route`);

    const firstId = String(first.headers['x-request-id']);
    const secondId = String(second.headers['x-request-id']);
    expect(firstId).toMatch(UUID);
    expect(secondId).toMatch(UUID);
    expect(secondId).not.toBe(firstId);
    expect(second.status).toBe(404);
    expect(JSON.parse(second.body)).toMatchObject({ status: 404, requestId: secondId });
    expect(await accessLogLine(api, secondId)).toMatchObject({ res: { statusCode: 404 } });
  });

  it('replaces a client X-Request-Id that is not a safe token (log injection) with a generated one', async () => {
    const res = await rawRequest(`${api.url}/health/live`, { headers: { 'X-Request-Id': 'a b "c"' } });

    expect(String(res.headers['x-request-id'])).toMatch(UUID);
  });

  it('never writes the Authorization header or cookies to the logs, whatever the outcome of the request', async () => {
    const secrets = { authorization: 'Bearer secret-token-123', cookie: 'sid=abc' };
    const requests = [
      { path: '/health/live', method: 'GET', id: `e2e-secret-ok-${Date.now()}` },
      { path: '/no/such/route', method: 'GET', id: `e2e-secret-404-${Date.now()}` },
      { path: '/v1/auth/register', method: 'POST', id: `e2e-secret-422-${Date.now()}`, body: '{"email":"x"}' },
    ];
    for (const { path, method, id, body } of requests) {
      await rawRequest(`${api.url}${path}`, {
        method,
        body,
        headers: {
          Authorization: secrets.authorization,
          Cookie: secrets.cookie,
          'X-Request-Id': id,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
      });
    }
    for (const { id } of requests) await accessLogLine(api, id);

    expect(api.logs).not.toContain('secret-token-123');
    expect(api.logs).not.toContain('sid=abc');
  });

  it('exposes process metrics and the request duration histogram by route template on /metrics', async () => {
    expect((await rawRequest(`${api.url}/health/live`)).status).toBe(200);

    const res = await rawRequest(`${api.url}/metrics`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^process_cpu_seconds_total\{service="api"\} [\d.e+-]+$/m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds\{service="api"\} [\d.e+-]+$/m);
    expect(res.body).toMatch(
      /^http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"[^}]*status_code="200"[^}]*\} [1-9]\d*$/m,
    );
    // Unmatched paths share one label: no raw path ever becomes a series.
    expect(res.body).not.toContain('route="/no/such/route"');
  });
});

describe('observability of the worker (WORKER_PORT)', () => {
  let worker: AppProcess;

  beforeAll(async () => {
    worker = await AppProcess.start('worker');
  });

  afterAll(async () => {
    await worker?.kill();
  });

  it('serves Prometheus metrics labelled service="worker"', async () => {
    const res = await rawRequest(`${worker.url}/metrics`);

    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^process_cpu_seconds_total\{service="worker"\} [\d.e+-]+$/m);
    expect(res.body).not.toContain('service="api"');
  });

  it('answers an unknown path with a 404 problem+json carrying a request id', async () => {
    const res = await rawRequest(`${worker.url}/no/such/path`);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 404, title: 'Not Found', instance: '/no/such/path' });
    expect(String(res.headers['x-request-id'])).toMatch(UUID);
  });
});
