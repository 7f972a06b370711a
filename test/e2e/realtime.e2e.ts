import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import type { AppProcess } from '../support/app-process.js';
import { bearer, callJson } from '../support/json-call.js';
import { SseClient, type SseMessage, SseRefused } from '../support/sse-client.js';
import { type Stack, startStack } from '../support/stack.js';
import { WsClient, type WsMessage } from '../support/ws-client.js';
import { newTestKey, PASSWORD, PUBLIC_API_URL, WEB_URL } from './auth-harness.js';

interface Person {
  id: string;
  email: string;
  token: string;
}

type Json = Record<string, unknown>;

/**
 * Real-time as deployed: two api instances and one worker on one database and Redis prefix.
 * An event committed through either instance travels outbox → worker → Redis (the workspace's
 * log + the channel) → every instance → its SSE and WebSocket clients.
 */
describe('real-time: SSE and WebSocket across api instances', () => {
  let stack: Stack;
  let db: pg.Pool;
  let apiA: AppProcess;
  let apiB: AppProcess;
  let owner: Person;
  let member: Person;
  let viewer: Person;
  let outsider: Person;
  let workspaceId: string;
  let projectId: string;
  const open: { close(): void }[] = [];

  const wsUrl = (api: AppProcess, query = '') => `ws://127.0.0.1:${api.port}/v1/ws${query}`;
  const eventsUrl = (api: AppProcess, workspace = workspaceId) => `${api.url}/v1/workspaces/${workspace}/events`;

  const call = (api: AppProcess, method: string, path: string, token?: string, body?: unknown) =>
    callJson(`${api.url}${path}`, method, {
      authorization: bearer(token),
      body,
      headers: { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` },
    });

  async function person(name: string): Promise<Person> {
    const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`;
    expect((await call(apiA, 'POST', '/v1/auth/register', undefined, { email, password: PASSWORD, name })).status).toBe(
      201,
    );
    const { rows } = await db.query<{ id: string }>(
      'UPDATE users SET email_verified_at = now() WHERE email = $1 RETURNING id',
      [email],
    );
    const login = await call(apiA, 'POST', '/v1/auth/login', undefined, { email, password: PASSWORD });
    expect(login.status).toBe(200);
    return { id: rows[0]!.id, email, token: String(login.body.accessToken) };
  }

  async function createTask(api: AppProcess, title: string, by = owner): Promise<string> {
    const created = await call(api, 'POST', `/v1/workspaces/${workspaceId}/tasks`, by.token, { projectId, title });
    expect(created.status).toBe(201);
    return String(created.body.id);
  }

  async function sse(api: AppProcess, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(eventsUrl(api), { headers: { authorization: `Bearer ${token}`, ...headers } });
    open.push(client);
    return client;
  }

  async function socket(api: AppProcess, token: string): Promise<WsClient> {
    const client = await WsClient.connect(wsUrl(api), { protocols: ['bearer', token] });
    open.push(client);
    return client;
  }

  const isTaskCreated = (taskId: string) => (m: SseMessage) =>
    m.event === 'task.created' && (JSON.parse(m.data) as { data: { taskId: string } }).data.taskId === taskId;
  const isWsTaskCreated = (taskId: string) => (m: WsMessage) =>
    m.type === 'event' &&
    (m.event as { type: string; data: Json }).type === 'task.created' &&
    (m.event as { data: Json }).data.taskId === taskId;

  beforeAll(async () => {
    stack = await startStack({
      label: 'realtime',
      apis: 2,
      workers: 1,
      mail: 'files',
      env: {
        PUBLIC_API_URL,
        APP_WEB_URL: WEB_URL,
        JWT_SIGNING_KEYS: newTestKey().privatePem,
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        TRUST_PROXY: 'loopback',
        LOG_LEVEL: 'warn',
        JOB_BACKOFF_MS: '100',
        OUTBOX_POLL_INTERVAL_MS: '100',
        REALTIME_HEARTBEAT_MS: '250',
        REALTIME_RETRY_MS: '1500',
        REALTIME_SESSION_CHECK_MS: '250',
      },
    });
    db = stack.db;
    [apiA, apiB] = stack.apis as [AppProcess, AppProcess];
    [owner, member, viewer, outsider] = await Promise.all([
      person('Olivia'),
      person('Mia'),
      person('Victor'),
      person('Oscar'),
    ]);
    const workspace = await call(apiA, 'POST', '/v1/workspaces', owner.token, {
      name: 'Realtime',
      slug: `rt-${Date.now().toString(36)}`,
    });
    expect(workspace.status).toBe(201);
    workspaceId = String(workspace.body.id);
    await db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'member', now()), ($1, $3, 'viewer', now())`,
      [workspaceId, member.id, viewer.id],
    );
    const project = await call(apiA, 'POST', `/v1/workspaces/${workspaceId}/projects`, owner.token, {
      name: 'Live',
      key: 'LIVE',
    });
    expect(project.status).toBe(201);
    projectId = String(project.body.id);
  }, 120_000);

  afterAll(async () => {
    open.forEach((client) => client.close());
    await stack?.stop();
  });

  it('delivers a task created through instance A to an SSE client on B and a WebSocket client on A', async () => {
    const stream = await sse(apiB, viewer.token);
    const ws = await socket(apiA, member.token);
    expect(await ws.request({ type: 'subscribe', workspaceId }, 'subscribed')).toEqual({
      type: 'subscribed',
      workspaceId,
    });

    const taskId = await createTask(apiA, 'Travels');

    const [message, frame] = await Promise.all([
      stream.waitFor(isTaskCreated(taskId), 10_000),
      ws.waitFor(isWsTaskCreated(taskId), 10_000),
    ]);
    const event = JSON.parse(message.data) as Json;
    expect(event).toEqual({
      id: message.id,
      type: 'task.created',
      workspaceId,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { taskId, projectId, number: expect.any(Number) },
    });
    expect(frame).toEqual({ type: 'event', event });
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.retry).toBe(1500);
    expect(await stream.nextComment(2_000)).toBe('heartbeat');
  });

  it('filters a WebSocket subscription by project and stops it on unsubscribe', async () => {
    const ws = await socket(apiB, owner.token);
    const otherProject = await call(apiA, 'POST', `/v1/workspaces/${workspaceId}/projects`, owner.token, {
      name: 'Other',
      key: 'OTHER',
    });
    expect(otherProject.status).toBe(201);
    expect(await ws.request({ type: 'subscribe', workspaceId, projectId }, 'subscribed')).toEqual({
      type: 'subscribed',
      workspaceId,
      projectId,
    });
    const elsewhere = await call(apiA, 'POST', `/v1/workspaces/${workspaceId}/tasks`, owner.token, {
      projectId: String(otherProject.body.id),
      title: 'Elsewhere',
    });
    const here = await createTask(apiA, 'Here');
    await ws.waitFor(isWsTaskCreated(here), 10_000);
    expect(ws.messages.filter(isWsTaskCreated(String(elsewhere.body.id)))).toEqual([]);

    expect(await ws.request({ type: 'unsubscribe', workspaceId }, 'unsubscribed')).toEqual({
      type: 'unsubscribed',
      workspaceId,
    });
    const stream = await sse(apiB, owner.token);
    const after = await createTask(apiA, 'After unsubscribing');
    await stream.waitFor(isTaskCreated(after), 10_000);
    expect(ws.messages.filter(isWsTaskCreated(after))).toEqual([]);
  });

  it('replays exactly the missed events to an SSE client resuming with Last-Event-ID, then continues live', async () => {
    const first = await sse(apiA, member.token);
    const seen = await createTask(apiB, 'Seen before the disconnect');
    const last = await first.waitFor(isTaskCreated(seen), 10_000);
    first.close();

    const missed: string[] = [];
    for (const title of ['Missed 1', 'Missed 2', 'Missed 3']) missed.push(await createTask(apiB, title));
    // The last one is in the log once the worker published it: another stream sees it.
    const witness = await sse(apiA, owner.token);
    const fourth = await createTask(apiB, 'Missed 4');
    missed.push(fourth);
    await witness.waitFor(isTaskCreated(fourth), 10_000);

    const resumed = await sse(apiB, member.token, { 'last-event-id': last.id! });
    const live = await createTask(apiA, 'Live after resuming');
    await resumed.waitFor(isTaskCreated(live), 10_000);

    const taskIds = resumed
      .ofType('task.created')
      .map((m) => (JSON.parse(m.data) as { data: { taskId: string } }).data.taskId);
    expect(taskIds).toEqual([...missed, live]);
    const ids = resumed.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(last.id);
  });

  it('replays exactly the missed events to a WebSocket client subscribing with lastEventId, then continues live', async () => {
    const first = await socket(apiA, member.token);
    await first.request({ type: 'subscribe', workspaceId }, 'subscribed');
    const seen = await createTask(apiB, 'Seen before the WebSocket closed');
    const last = await first.waitFor(isWsTaskCreated(seen), 10_000);
    first.close();

    const missed: string[] = [];
    for (const title of ['WS missed 1', 'WS missed 2']) missed.push(await createTask(apiB, title));
    const witness = await sse(apiA, owner.token);
    const third = await createTask(apiB, 'WS missed 3');
    missed.push(third);
    await witness.waitFor(isTaskCreated(third), 10_000);

    const resumed = await socket(apiB, member.token);
    const lastEventId = (last.event as { id: string }).id;
    await resumed.request({ type: 'subscribe', workspaceId, lastEventId }, 'subscribed');
    const live = await createTask(apiA, 'WS live after resuming');
    await resumed.waitFor(isWsTaskCreated(live), 10_000);

    const events = resumed.messages
      .filter((m) => m.type === 'event')
      .map((m) => m.event as { id: string; type: string; data: Json });
    expect(events.filter((e) => e.type === 'task.created').map((e) => e.data.taskId)).toEqual([...missed, live]);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(lastEventId);

    const unknown = await socket(apiA, member.token);
    await unknown.request({ type: 'subscribe', workspaceId, lastEventId: randomUUID() }, 'subscribed');
    expect(await unknown.waitFor((m) => m.type === 'resync', 5_000)).toEqual({
      type: 'resync',
      workspaceId,
      reason: 'last_event_id_unknown',
    });
  });

  it('tells an SSE client whose Last-Event-ID is unknown or malformed to resync, and keeps streaming', async () => {
    const unknown = await sse(apiA, member.token, { 'last-event-id': randomUUID() });
    const resync = await unknown.waitFor((m) => m.event === 'resync', 5_000);
    expect(JSON.parse(resync.data)).toEqual({ reason: 'last_event_id_unknown' });
    const malformed = await sse(apiB, member.token, { 'last-event-id': 'not-an-event-id' });
    await malformed.waitFor((m) => m.event === 'resync', 5_000);

    const taskId = await createTask(apiA, 'After a resync');
    await unknown.waitFor(isTaskCreated(taskId), 10_000);
  });

  it('refuses an SSE request without Accept: text/event-stream (406), without credentials (401), or for a foreign workspace (404)', async () => {
    const refusal = async (url: string, headers: Record<string, string>) =>
      SseClient.open(url, { headers }).then(
        (client) => {
          client.close();
          return undefined;
        },
        (error: unknown) => error as SseRefused,
      );
    const json = await refusal(eventsUrl(apiA), { accept: 'application/json', authorization: `Bearer ${owner.token}` });
    expect({ status: json?.status, type: json?.contentType }).toEqual({
      status: 406,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect((await refusal(eventsUrl(apiA), {}))?.status).toBe(401);
    expect((await refusal(eventsUrl(apiA), { authorization: `Bearer ${outsider.token}` }))?.status).toBe(404);
  });

  it('stops a WebSocket client removed from the workspace within 1 s, and ends its SSE stream', async () => {
    const leaving = await person('Leaving');
    await db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'member', now())`,
      [workspaceId, leaving.id],
    );
    const ws = await socket(apiB, leaving.token);
    await ws.request({ type: 'subscribe', workspaceId }, 'subscribed');
    const stream = await sse(apiA, leaving.token);
    const before = await createTask(apiA, 'Before the removal');
    await ws.waitFor(isWsTaskCreated(before), 10_000);

    const removed = await call(apiA, 'DELETE', `/v1/workspaces/${workspaceId}/members/${leaving.id}`, owner.token);
    expect(removed.status).toBe(204);
    const removedAt = Date.now();
    // The api's answer commits the removal; the event reaches the hub through the worker.
    const notice = await ws.waitFor((m) => m.type === 'unsubscribed', 10_000);
    const noticedAt = Date.now();
    expect(notice).toEqual({ type: 'unsubscribed', workspaceId, reason: 'membership_ended' });
    expect(noticedAt - removedAt).toBeLessThan(1_000);
    await stream.waitForEnd(1_000);
    expect(stream.ofType('revoked')).toHaveLength(1);

    const after = await createTask(apiA, 'After the removal');
    const witness = await sse(apiB, owner.token);
    const later = await createTask(apiA, 'Later still');
    await witness.waitFor(isTaskCreated(later), 10_000);
    expect(
      ws.messages.filter(
        (m) => m.type === 'event' && [after, later].includes(String((m.event as { data: Json }).data.taskId)),
      ),
    ).toEqual([]);
    expect(await ws.request({ type: 'subscribe', workspaceId }, 'error')).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
  });

  it('closes the WebSocket (1008) and ends the SSE stream of a session that logs out', async () => {
    const leaving = await person('Logout');
    await db.query(
      `INSERT INTO memberships (workspace_id, user_id, role, updated_at) VALUES ($1, $2, 'viewer', now())`,
      [workspaceId, leaving.id],
    );
    const ws = await socket(apiB, leaving.token);
    await ws.request({ type: 'subscribe', workspaceId }, 'subscribed');
    const stream = await sse(apiA, leaving.token);

    expect((await call(apiA, 'POST', '/v1/auth/logout', leaving.token)).status).toBe(204);
    // Sessions are cached for up to 2 s per instance (refused within 5 s), checked every 250 ms here.
    expect(await ws.waitForClose(5_000)).toEqual({ code: 1008, reason: 'session ended' });
    await stream.waitForEnd(5_000);
    expect(stream.ofType('revoked').map((m) => JSON.parse(m.data))).toEqual([{ reason: 'session_ended' }]);
  });

  it('refuses an upgrade without credentials or with a bad token with 401 before the handshake', async () => {
    for (const attempt of [
      WsClient.refusal(wsUrl(apiA)),
      WsClient.refusal(wsUrl(apiA), { protocols: ['bearer', 'not.a.jwt'] }),
      WsClient.refusal(wsUrl(apiA, '?ticket=wst_forged'), {}),
      WsClient.refusal(wsUrl(apiA), { headers: { authorization: `Bearer ${owner.token}` } }),
    ]) {
      const refusal = await attempt;
      expect({ status: refusal.status, type: refusal.contentType }).toEqual({
        status: 401,
        type: 'application/problem+json',
      });
    }
    expect(
      (await WsClient.refusal(`ws://127.0.0.1:${apiA.port}/v1/elsewhere`, { protocols: ['bearer', owner.token] }))
        .status,
    ).toBe(404);
  });

  it('accepts the bearer subprotocol and selects "bearer"', async () => {
    const ws = await socket(apiA, viewer.token);
    expect(ws.protocol).toBe('bearer');
    expect(await ws.request({ type: 'subscribe', workspaceId }, 'subscribed')).toEqual({
      type: 'subscribed',
      workspaceId,
    });
  });

  it('accepts a ticket from POST /v1/ws/ticket exactly once', async () => {
    const issued = await call(apiA, 'POST', '/v1/ws/ticket', member.token);
    expect([issued.status, issued.body]).toEqual([201, { ticket: expect.stringMatching(/^wst_/), expiresIn: 30 }]);
    const query = `?ticket=${encodeURIComponent(String(issued.body.ticket))}`;
    const ws = await WsClient.connect(wsUrl(apiB, query));
    open.push(ws);
    expect(await ws.request({ type: 'subscribe', workspaceId }, 'subscribed')).toEqual({
      type: 'subscribed',
      workspaceId,
    });
    expect((await WsClient.refusal(wsUrl(apiA, query))).status).toBe(401);
    expect((await call(apiA, 'POST', '/v1/ws/ticket')).status).toBe(401);
  });

  it('answers bad WebSocket input with error messages and disconnects a client that keeps sending it (1008)', async () => {
    const ws = await socket(apiA, owner.token);
    expect(await ws.request('{not json', 'error')).toMatchObject({ type: 'error', code: 'invalid_json' });
    expect(await ws.request({ type: 'dance' }, 'error')).toMatchObject({ type: 'error', code: 'unknown_type' });
    expect(await ws.request({ type: 'subscribe', workspaceId: 'x' }, 'error')).toMatchObject({
      type: 'error',
      code: 'invalid_message',
    });
    expect(await ws.request([1, 2], 'error')).toMatchObject({ type: 'error', code: 'invalid_message' });
    expect(await ws.request({ type: 'subscribe', workspaceId, extra: true }, 'error')).toMatchObject({
      code: 'invalid_message',
    });
    expect(ws.isOpen).toBe(true);
    for (let i = 0; i < 5; i += 1) ws.send('nope');
    expect(await ws.waitForClose()).toEqual({ code: 1008, reason: 'too many invalid messages' });
    expect(ws.messages.filter((m) => m.type === 'error')).toHaveLength(10);
  });

  it('closes a WebSocket that sends a message over 64 KiB, and the api keeps serving', async () => {
    const ws = await socket(apiA, owner.token);
    ws.send(JSON.stringify({ type: 'subscribe', workspaceId, padding: 'x'.repeat(70 * 1024) }));
    expect((await ws.waitForClose()).code).toBe(1009);
    const again = await socket(apiA, owner.token);
    expect(await again.request({ type: 'subscribe', workspaceId }, 'subscribed')).toMatchObject({ type: 'subscribed' });
    expect((await fetch(`${apiA.url}/health/live`)).status).toBe(200);
  });

  it('on SIGTERM closes WebSockets with 1012 and ends SSE streams, and the api exits', async () => {
    const ws = await socket(apiB, owner.token);
    await ws.request({ type: 'subscribe', workspaceId }, 'subscribed');
    const stream = await sse(apiB, owner.token);
    await stream.nextComment(2_000);

    const exited = apiB.stop('SIGTERM');
    const [closed] = await Promise.all([ws.waitForClose(10_000), stream.waitForEnd(10_000)]);
    expect(closed).toEqual({ code: 1012, reason: 'server restarting' });
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
