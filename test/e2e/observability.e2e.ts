import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppProcess } from '../support/app-process.js';
import { metricFamilies, observabilityExpressions } from '../support/observability-assets.js';
import { eventually } from '../support/wait.js';
import { jsonLogLines, rawRequest } from './http-client.js';

/** The api's last scrape, kept for the check against the dashboard and the alert rules. */
let apiScrape = '';

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
    api = await AppProcess.start('api', { env: { LOG_LEVEL: 'trace' }, timeoutMs: 120_000 });
  }, 150_000);

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

  it('exposes process metrics and the request duration histogram by route template on METRICS_PORT, not on PORT', async () => {
    expect((await rawRequest(`${api.url}/health/live`)).status).toBe(200);

    const res = await rawRequest(`${api.metricsUrl}/metrics`);
    expect((await rawRequest(`${api.url}/metrics`)).status).toBe(404);

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

  it('never puts an id or anything a caller sent into a label, after a burst of fuzzed requests', async () => {
    const marker = `zq${Date.now().toString(36)}`;
    const uuid = '0190f0e1-5c2a-7b3e-9f00-00000000beef';
    const paths = [
      `/v1/workspaces/${uuid}/tasks/${uuid}`,
      `/v1/workspaces/${marker}/projects?cursor=${marker}`,
      `/v1/${marker}`,
      `/${marker}/${'a'.repeat(300)}`,
      `/v1/workspaces/${uuid}/tasks?q=${marker}%22%7D`,
      `/health/${marker}`,
      `/metrics/${marker}`,
      '/v1/auth/login',
    ];
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', marker.toUpperCase()];
    const requests = paths.flatMap((path) =>
      methods.map((method) =>
        rawRequest(`${api.url}${path}`, {
          method,
          body: method === 'GET' || method === 'OPTIONS' ? undefined : `{"${marker}": "${marker}"}`,
          headers: {
            'Content-Type': 'application/json',
            'X-Request-Id': `${marker}-${method}`,
            'User-Agent': marker,
            traceparent: `00-${marker}-01`,
            Authorization: `Bearer ${marker}`,
          },
        }).catch(() => undefined),
      ),
    );
    await Promise.all(requests);

    const { body } = await rawRequest(`${api.metricsUrl}/metrics`);
    apiScrape = body;
    const series = body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(series.length).toBeGreaterThan(0);
    expect(body.toLowerCase()).not.toContain(marker);
    expect(body).not.toContain(uuid);
    // Every label value is a route template (Express syntax: `:param`, `{/*splat}`), a method, a
    // status code or another fixed word.
    const values = series.flatMap((line) => [...line.matchAll(/="([^"]*)"/g)].map((match) => match[1] ?? ''));
    for (const value of values) expect(value).toMatch(/^[\w/:.{}*+-]*$/);
  });
});

const DASHBOARD_TOKEN = 'a-queue-dashboard-token-for-tests-only';

describe('observability of the worker (WORKER_PORT)', () => {
  let worker: AppProcess;

  beforeAll(async () => {
    worker = await AppProcess.start('worker', { env: { QUEUE_DASHBOARD_TOKEN: DASHBOARD_TOKEN }, timeoutMs: 120_000 });
  }, 150_000);

  afterAll(async () => {
    await worker?.kill();
  });

  it('serves Prometheus metrics labelled service="worker"', async () => {
    const res = await rawRequest(`${worker.url}/metrics`);

    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^process_cpu_seconds_total\{service="worker"\} [\d.e+-]+$/m);
    expect(res.body).not.toContain('service="api"');
  });

  it('exports the queue and outbox gauges', async () => {
    const res = await rawRequest(`${worker.metricsUrl}/metrics`);

    expect(res.body).toMatch(
      /^groundwork_queue_jobs\{queue="webhook-deliveries",state="failed",service="worker"\} \d+$/m,
    );
    expect(res.body).toMatch(/^groundwork_outbox_lag_seconds\{service="worker"\} [\d.e+-]+$/m);
    expect(res.body).toMatch(/^groundwork_db_pool_connections\{state="idle",service="worker"\} \d+$/m);
  });

  it('serves the queue dashboard under /queues only with its token, and read-only', async () => {
    const bearer = { Authorization: `Bearer ${DASHBOARD_TOKEN}` };
    const basic = { Authorization: `Basic ${Buffer.from(`ops:${DASHBOARD_TOKEN}`).toString('base64')}` };

    expect((await rawRequest(`${worker.url}/queues`)).status).toBe(401);
    expect((await rawRequest(`${worker.url}/queues`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const page = await rawRequest(`${worker.url}/queues`, { headers: basic });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    const api = await rawRequest(`${worker.url}/queues/api/queues`, { headers: bearer });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({
      queues: expect.arrayContaining([expect.objectContaining({ name: 'email', readOnlyMode: true })]),
    });
    const retry = await rawRequest(`${worker.url}/queues/api/queues/email/retry/failed`, {
      method: 'PUT',
      headers: bearer,
    });
    expect(retry.status).toBe(405);
  });

  it('together with the api, exports every metric family the Grafana dashboard and the alert rules name', async () => {
    const workerScrape = (await rawRequest(`${worker.metricsUrl}/metrics`)).body;
    const exported = new Set(
      [...`${apiScrape}\n${workerScrape}`.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? ''),
    );

    const named = metricFamilies(observabilityExpressions());
    expect(apiScrape).not.toBe('');
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((family) => !exported.has(family))).toEqual([]);
  });

  it('answers an unknown path with a 404 problem+json carrying a request id', async () => {
    const res = await rawRequest(`${worker.url}/no/such/path`);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 404, title: 'Not Found', instance: '/no/such/path' });
    expect(String(res.headers['x-request-id'])).toMatch(UUID);
  });
});

describe('the queue dashboard without QUEUE_DASHBOARD_TOKEN', () => {
  let worker: AppProcess;

  beforeAll(async () => {
    worker = await AppProcess.start('worker', { env: { QUEUE_DASHBOARD_TOKEN: '' }, timeoutMs: 120_000 });
  }, 150_000);

  afterAll(async () => {
    await worker?.kill();
  });

  it('is off: /queues and its API answer 404, with or without credentials', async () => {
    const bearer = { Authorization: `Bearer ${DASHBOARD_TOKEN}` };

    expect((await rawRequest(`${worker.url}/queues`)).status).toBe(404);
    expect((await rawRequest(`${worker.url}/queues`, { headers: bearer })).status).toBe(404);
    expect((await rawRequest(`${worker.url}/queues/api/queues`, { headers: bearer })).status).toBe(404);
    expect((await rawRequest(`${worker.url}/health/live`)).status).toBe(200);
  });
});
