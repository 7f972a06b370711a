import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ReceivedSpan, OtlpReceiver, SPAN_KIND } from '../support/otlp-receiver.js';
import { eventually } from '../support/wait.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { type AuthEnvironment, loginBearer, registerVerified, startAuthEnvironment } from './auth-harness.js';
import { jsonLogLines } from './http-client.js';

type Json = Record<string, unknown>;

/** The chain of spans from `span` up to its trace's root (or the first parent not received). */
function ancestry(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((candidate) => [candidate.spanId, candidate]));
  const chain = [span];
  let parent = byId.get(span.parentSpanId);
  while (parent !== undefined && chain.length < 50) {
    chain.push(parent);
    parent = byId.get(parent.parentSpanId);
  }
  return chain;
}

/**
 * OpenTelemetry as deployed: the built api and worker export over OTLP/HTTP (JSON here) to a
 * receiver on 127.0.0.1, and one task creation — sent with a caller's `traceparent` — is
 * followed through the api, PostgreSQL, the outbox relay, the webhook jobs and the delivery.
 */
describe('tracing: one trace from a request to its webhook delivery', () => {
  let otlp: OtlpReceiver;
  let hooks: WebhookReceiver;
  let env: AuthEnvironment;
  let token: string;

  beforeAll(async () => {
    [otlp, hooks] = await Promise.all([OtlpReceiver.start(), WebhookReceiver.start()]);
    env = await startAuthEnvironment({
      label: 'tracing',
      mail: true,
      // The SDK's start-up (loading and patching) on a busy machine.
      startTimeoutMs: 180_000,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export each batch at once rather than every five seconds.
        OTEL_BSP_SCHEDULE_DELAY: '50',
        LOG_LEVEL: 'info',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_ALLOW_HTTP: 'true',
      },
    });
    const user = await registerVerified(env, 'tracer');
    token = (await loginBearer(env, user.email)).accessToken;
  }, 300_000);

  afterAll(async () => {
    await env?.stop();
    await Promise.all([otlp?.close(), hooks?.close()]);
  });

  it('continues the caller’s trace: SERVER span by route template, database spans, relay, job CONSUMER spans, the delivery carrying traceparent', async () => {
    const as = (method: string, path: string, body?: Json) => env.request(method, path, { bearer: token, body });
    const workspace = await as('POST', '/v1/workspaces', { name: 'Traced', slug: `traced-${Date.now()}` });
    const workspaceId = String(workspace.json?.id);
    const webhook = await as('POST', `/v1/workspaces/${workspaceId}/webhooks`, {
      url: `${hooks.url}/hook`,
      events: ['task.created'],
    });
    expect(webhook.status).toBe(201);
    const project = await as('POST', `/v1/workspaces/${workspaceId}/projects`, { name: 'Trace', key: 'TRC' });
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');

    const task = await env.request('POST', `/v1/workspaces/${workspaceId}/tasks`, {
      bearer: token,
      body: { projectId: project.json?.id, title: 'Follow me' },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'vendor=opaque' },
    });
    expect(task.status).toBe(201);

    // The delivery request carries the same trace.
    const [delivery] = await hooks.waitForRequests(1, 20_000);
    expect(String(delivery!.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(delivery!.headers.tracestate).toBe('vendor=opaque');

    // The worker's HTTP CLIENT span of that delivery and all its ancestors, once exported (a
    // parent ends, and is exported, after its children).
    const { deliverySpan, chain } = await eventually(async () => {
      const received = otlp.trace(traceId);
      const client = received.find(
        (span) => span.service === 'groundwork-worker' && span.kind === SPAN_KIND.client && span.name === 'POST',
      );
      const ancestors = client ? ancestry(client, received) : [];
      return ancestors.at(-1)?.kind === SPAN_KIND.server && { deliverySpan: client!, chain: ancestors };
    }, 20_000);
    const spans = otlp.trace(traceId);
    expect(deliverySpan.attributes['http.request.method'] ?? deliverySpan.attributes['http.method']).toBe('POST');
    const root = chain.at(-1)!;

    // One unbroken chain: delivery ← its job ← the fan-out job ← the relay ← the api's request
    // (the outbox row is written inside the request's SERVER span).
    expect(chain.map((span) => [span.service, span.kind, span.name])).toEqual([
      ['groundwork-worker', SPAN_KIND.client, 'POST'],
      ['groundwork-worker', SPAN_KIND.consumer, 'process webhook-deliveries'],
      ['groundwork-worker', SPAN_KIND.consumer, 'process webhooks'],
      ['groundwork-worker', SPAN_KIND.producer, 'publish webhooks'],
      ['groundwork-api', SPAN_KIND.server, 'POST /v1/workspaces/:workspaceId/tasks'],
    ]);
    expect(root.parentSpanId).toBe(callerSpanId);
    expect(root.attributes['http.route']).toBe('/v1/workspaces/:workspaceId/tasks');

    // Every statement in the trace is a PostgreSQL CLIENT span: the request's own (the INSERT
    // among them) and, further down the chain, the worker's jobs'.
    const underRequest = spans.filter((span) => ancestry(span, spans).at(-1) === root && span !== root);
    const database = underRequest.filter(
      (span) => span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql',
    );
    const requestDatabase = database.filter((span) => span.service === 'groundwork-api');
    expect(requestDatabase.length).toBeGreaterThan(0);
    expect(database.every((span) => span.kind === SPAN_KIND.client)).toBe(true);
    expect(
      requestDatabase.some((span) =>
        /INSERT/i.test(String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? span.name)),
      ),
    ).toBe(true);

    // Every log line of the traced request and jobs carries the trace id and a span id.
    const apiLine = jsonLogLines(env.api.logs).find(
      (line) => line.msg === 'request completed' && line.traceId === traceId,
    );
    expect(apiLine).toMatchObject({ traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    await env.worker!.waitForOutput(
      () => jsonLogLines(env.worker!.logs).some((line) => line.traceId === traceId),
      10_000,
      'a job log line of the trace',
    );
  });

  it('keeps a trace the caller left out of the sample out: no span exported, no trace ids in the job’s log lines, the delivery carrying it unsampled', async () => {
    const as = (method: string, path: string, body?: Json) => env.request(method, path, { bearer: token, body });
    const workspace = await as('POST', '/v1/workspaces', { name: 'Unsampled', slug: `unsampled-${Date.now()}` });
    const workspaceId = String(workspace.json?.id);
    await as('POST', `/v1/workspaces/${workspaceId}/webhooks`, { url: `${hooks.url}/hook`, events: ['task.created'] });
    const project = await as('POST', `/v1/workspaces/${workspaceId}/projects`, { name: 'Quiet', key: 'QUI' });
    const traceId = randomBytes(16).toString('hex');
    const requestId = `unsampled-${traceId}`;
    const deliveredBefore = hooks.requests.length;

    const task = await env.request('POST', `/v1/workspaces/${workspaceId}/tasks`, {
      bearer: token,
      body: { projectId: project.json?.id, title: 'Not sampled' },
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00`, 'x-request-id': requestId },
    });
    expect(task.status).toBe(201);

    // The decision travels through the outbox and both jobs to the receiver: not sampled.
    const delivery = (await hooks.waitForRequests(deliveredBefore + 1, 20_000)).at(-1);
    expect(String(delivery!.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    // The jobs ran without any span: their lines carry the request id, no trace ids.
    await env.worker!.waitForOutput(
      () =>
        jsonLogLines(env.worker!.logs).some(
          (line) => line.msg === 'webhook delivery attempted' && line.requestId === requestId,
        ),
      10_000,
      'the delivery job’s log line',
    );
    const jobLines = jsonLogLines(env.worker!.logs).filter((line) => line.requestId === requestId);
    expect(jobLines.length).toBeGreaterThan(0);
    expect(jobLines.filter((line) => line.traceId !== undefined || line.spanId !== undefined)).toEqual([]);
    const requestLine = jsonLogLines(env.api.logs).find(
      (line) => line.msg === 'request completed' && line.requestId === requestId,
    );
    expect(requestLine).toBeDefined();
    expect(requestLine!.traceId).toBeUndefined();

    // A sampled request after it is exported; nothing of the unsampled trace ever was.
    const sampledTraceId = randomBytes(16).toString('hex');
    const read = await env.request('GET', `/v1/workspaces/${workspaceId}/tasks/${String(task.json?.id)}`, {
      bearer: token,
      headers: { traceparent: `00-${sampledTraceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(read.status).toBe(200);
    await eventually(async () => otlp.trace(sampledTraceId).length > 0, 10_000);
    expect(otlp.trace(traceId)).toEqual([]);
  });

  it('never traces probes or scrapes, and starts a new trace for a malformed traceparent instead of failing', async () => {
    const badTrace = await env.request('GET', '/v1/me', {
      bearer: token,
      headers: { traceparent: '00-zz-not-a-trace-01' },
    });
    expect(badTrace.status).toBe(200);
    const probe = await env.request('GET', '/health/ready');
    expect(probe.status).toBe(200);

    const meSpan = await eventually(async () => otlp.spans.find((span) => span.name === 'GET /v1/me'), 10_000);
    expect(meSpan.parentSpanId).toBe('');
    expect(
      otlp.spans.some((span) =>
        String(span.attributes['url.path'] ?? span.attributes['http.target'] ?? '').startsWith('/health'),
      ),
    ).toBe(false);
    expect(otlp.spans.some((span) => span.name.includes('/health') || span.name.includes('/metrics'))).toBe(false);
  });
});
