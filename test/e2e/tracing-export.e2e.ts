import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AppProcess } from '../support/app-process.js';
import { freePort } from '../support/app-process.js';
import { OtlpReceiver, SPAN_KIND } from '../support/otlp-receiver.js';
import { type Stack, startStack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { jsonLogLines, rawRequest } from './http-client.js';

/** The value of one series of a Prometheus text scrape, or undefined when absent. */
function sample(scrape: string, series: RegExp): number | undefined {
  const line = scrape.split('\n').find((candidate) => series.test(candidate));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/**
 * How the built api exports its traces: OTLP/protobuf decoded by a receiver on 127.0.0.1, the
 * slow-request and slow-query log lines of a traced request, and a collector that never answers
 * — spans beyond the bounded export queue are dropped and counted, requests never wait for it.
 */
describe('trace export (OTLP/protobuf, slow-operation logs, an unreachable collector)', () => {
  let stack: Stack;
  let otlp: OtlpReceiver;
  let exporting: AppProcess;
  let stranded: AppProcess;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    stack = await startStack({ label: 'trace-export' });
    const traced = { OTEL_TRACES_SAMPLER: 'parentbased_always_on', LOG_LEVEL: 'warn' };
    [exporting, stranded] = await Promise.all([
      stack.start('api', {
        waitFor: 'ready',
        timeoutMs: 180_000,
        env: {
          ...traced,
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          // Every request and every statement counts as slow: their warn lines are the subject.
          SLOW_REQUEST_MS: '1',
          DATABASE_SLOW_QUERY_MS: '1',
        },
      }),
      stack.start('api', {
        waitFor: 'ready',
        timeoutMs: 180_000,
        env: {
          ...traced,
          // Nothing listens there.
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
          OTEL_BSP_MAX_QUEUE_SIZE: '16',
          // Each export gives up (after its retries) within 2 s.
          OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
          RATE_LIMIT_PER_MINUTE: '100000',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
      }),
    ]);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await otlp?.close();
  });

  it('exports OTLP/protobuf that decodes into the SERVER span of the request, child of the caller’s span', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const answer = await rawRequest(`${exporting.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ email: `nobody-${traceId}@export.test`, password: 'not the password at all' }),
    });
    expect(answer.status).toBe(401);

    const server = await eventually(
      async () => otlp.trace(traceId).find((span) => span.kind === SPAN_KIND.server),
      20_000,
    );
    expect(otlp.requests.some((request) => request.contentType.startsWith('application/x-protobuf'))).toBe(true);
    expect(otlp.requests.some((request) => request.contentType.startsWith('application/json'))).toBe(false);
    expect(server).toMatchObject({
      service: 'groundwork-api',
      name: 'POST /v1/auth/login',
      parentSpanId: callerSpanId,
      attributes: expect.objectContaining({
        'http.route': '/v1/auth/login',
        'http.request.method': 'POST',
        'http.response.status_code': 401,
      }),
    });
    // The account lookup: a PostgreSQL CLIENT span in the same trace.
    const database = await eventually(
      async () =>
        otlp
          .trace(traceId)
          .find((span) => span.kind === SPAN_KIND.client && span.attributes['db.system.name'] === 'postgresql'),
      10_000,
    );
    expect(database.traceId).toBe(traceId);
  });

  it('writes the slow-request and slow-query lines with the request id and the trace and span ids', async () => {
    const traceId = randomBytes(16).toString('hex');
    const requestId = `slow-${Date.now()}`;
    const answer = await rawRequest(`${exporting.url}/v1/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ email: `slow-${traceId}@export.test`, password: 'not the password at all' }),
    });
    expect(answer.status).toBe(401);

    const ids = { requestId, traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) };
    await exporting.waitForOutput(
      () =>
        jsonLogLines(exporting.logs).some((line) => line.msg === 'request completed' && line.requestId === requestId),
      10_000,
      'the access line of the request',
    );
    const lines = jsonLogLines(exporting.logs).filter((line) => line.requestId === requestId);
    expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({ ...ids, level: 40, slow: true });
    expect(lines.find((line) => line.msg === 'slow query')).toMatchObject({ ...ids, level: 40 });
  });

  it('drops and counts the spans an unreachable collector leaves beyond the bounded queue, and never makes a request wait', async () => {
    const elapsed: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const began = performance.now();
          const answer = await rawRequest(`${stranded.url}/v1/me`);
          elapsed.push(performance.now() - began);
          expect(answer.status).toBe(401);
        }),
      );
    }
    expect(elapsed).toHaveLength(200);
    // An export attempt lasts seconds (connection refused, retried with backoff); no request waits for one.
    expect(Math.max(...elapsed)).toBeLessThan(3_000);

    // Nothing reaches the collector: every span is dropped, by the full queue or with its failed
    // batch, except at most one queue's worth waiting and one batch being tried.
    const dropped = await eventually(async () => {
      const scrape = (await rawRequest(`${stranded.metricsUrl}/metrics`)).body;
      const full = sample(scrape, /^groundwork_tracing_spans_dropped_total\{reason="queue_full",service="api"\} /) ?? 0;
      const failed =
        sample(scrape, /^groundwork_tracing_spans_dropped_total\{reason="export_failed",service="api"\} /) ?? 0;
      return full + failed >= 200 - 2 * 16 && { full, failed };
    }, 30_000);
    expect(dropped.full).toBeGreaterThan(0);
    // The batch being tried is counted too, once the exporter gives up on it.
    await eventually(async () => {
      const scrape = (await rawRequest(`${stranded.metricsUrl}/metrics`)).body;
      return (
        (sample(scrape, /^groundwork_tracing_spans_dropped_total\{reason="export_failed",service="api"\} /) ?? 0) >= 16
      );
    }, 20_000);
    const exportingScrape = (await rawRequest(`${exporting.metricsUrl}/metrics`)).body;
    expect(
      sample(exportingScrape, /^groundwork_tracing_spans_dropped_total\{reason="queue_full",service="api"\} /),
    ).toBe(0);
    expect(
      sample(exportingScrape, /^groundwork_tracing_spans_dropped_total\{reason="export_failed",service="api"\} /),
    ).toBe(0);
  });
});
