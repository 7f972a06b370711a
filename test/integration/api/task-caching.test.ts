import 'reflect-metadata';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, MetricsService, newId, PrismaService, RedisService } from '@groundwork/platform';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { RedisServer } from '../../support/redis-server.js';

interface TaskBody {
  id: string;
  title: string;
  version: number;
  key?: string;
}

/**
 * Task reads through the two-level cache, over the real routes (api in process, real
 * PostgreSQL and Redis): hits, read-your-writes after every kind of write, ETag/304 from a
 * cached value, scoping, and Cache-Control on authenticated answers.
 */
describe('cached task reads', () => {
  let app: INestApplication;
  let url: string;
  let metrics: MetricsService;
  let owner: string;
  let outsider: string;
  let workspaceId: string;
  let projectId: string;

  async function signIn(name: string): Promise<string> {
    const userId = newId();
    await app.get(PrismaService).user.create({
      data: { id: userId, email: `caching-${userId}@example.test`, name, emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(userId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return `Bearer ${session.tokens.accessToken}`;
  }

  async function send(
    method: string,
    path: string,
    authorization: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    return fetch(`${url}${path}`, {
      method,
      headers: {
        authorization,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  }

  async function createTask(title: string): Promise<TaskBody> {
    const created = await send('POST', `/v1/workspaces/${workspaceId}/tasks`, owner, { body: { projectId, title } });
    expect(created.status).toBe(201);
    return (await created.json()) as TaskBody;
  }

  async function lookups(result: string): Promise<number> {
    const metric = metrics.registry.getSingleMetric('cache_lookups_total');
    if (!metric) throw new Error('cache_lookups_total is not registered');
    const { values } = await metric.get();
    return values.find((v) => v.labels.cache === 'tasks' && v.labels.result === result)?.value ?? 0;
  }

  /** Cache hits of either level: which level answers depends on nothing the test controls. */
  async function hits(): Promise<number> {
    return (await lookups('l1_hit')) + (await lookups('l2_hit'));
  }

  beforeAll(async () => {
    app = await createApiApp(loadAppConfig('api', { ...process.env, LOG_LEVEL: 'error' }));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    metrics = app.get(MetricsService);
    owner = await signIn('Ada');
    outsider = await signIn('Eve');
    const suffix = newId().slice(-12);
    const workspace = await send('POST', '/v1/workspaces', owner, {
      body: { name: 'Caching', slug: `caching-${suffix}` },
    });
    workspaceId = ((await workspace.json()) as { id: string }).id;
    await send('POST', '/v1/workspaces', outsider, { body: { name: 'Elsewhere', slug: `elsewhere-${suffix}` } });
    const project = await send('POST', `/v1/workspaces/${workspaceId}/projects`, owner, {
      body: { name: 'Engine', key: 'ENG' },
    });
    projectId = ((await project.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves the second read of a task from the cache, with the same ETag, 304 and deprecation headers', async () => {
    const task = await createTask('Cache me');
    const path = `/v1/workspaces/${workspaceId}/tasks/${task.id}`;
    const first = await send('GET', path, owner);
    const before = await hits();
    const second = await send('GET', path, owner);

    expect(await hits()).toBe(before + 1);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get('etag')).toBe(`"${task.version}"`);
    expect(second.headers.get('deprecation')).toBe(first.headers.get('deprecation'));
    expect(second.headers.get('cache-control')).toBe('private, no-cache');
    expect(second.headers.get('vary')).toMatch(/Authorization, Cookie.*Accept/);

    const notModified = await send('GET', path, owner, { headers: { 'if-none-match': `"${task.version}"` } });
    expect(notModified.status).toBe(304);
    const xml = await send('GET', path, owner, { headers: { accept: 'application/xml' } });
    expect(await xml.text()).toContain('<title>Cache me</title>');
  });

  it('reads the access guard’s and the cached read’s versions in one Redis round trip', async () => {
    const task = await createTask('One trip');
    const path = `/v1/workspaces/${workspaceId}/tasks/${task.id}`;
    await send('GET', path, owner);
    const client = app.get(RedisService).client;
    const original = client.evalsha.bind(client);
    const versionReads: string[][] = [];
    client.evalsha = ((...args: Parameters<typeof original>) => {
      const keys = args.filter((arg): arg is string => typeof arg === 'string' && arg.startsWith('cache:v:'));
      if (keys.length > 0) versionReads.push(keys);
      return original(...args);
    }) as typeof original;
    try {
      expect((await send('GET', path, owner)).status).toBe(200);
    } finally {
      client.evalsha = original;
    }

    expect(versionReads).toHaveLength(1);
    expect(versionReads[0]).toEqual(
      expect.arrayContaining([`cache:v:members:${workspaceId}`, `cache:v:tasks:${workspaceId}`]),
    );
  });

  it('shows the writer its own change on the next read (PATCH with If-Match), with the new ETag', async () => {
    const task = await createTask('Before');
    const path = `/v1/workspaces/${workspaceId}/tasks/${task.id}`;
    await send('GET', path, owner);
    await send('GET', path, owner);

    const patched = await send('PATCH', path, owner, {
      body: { title: 'After' },
      headers: { 'if-match': `"${task.version}"` },
    });
    expect(patched.status).toBe(200);
    const read = await send('GET', path, owner);
    expect(((await read.json()) as TaskBody).title).toBe('After');
    expect(read.headers.get('etag')).toBe(`"${task.version + 1}"`);
    const v2 = await send('GET', path.replace('/v1/', '/v2/'), owner);
    expect(((await v2.json()) as TaskBody).title).toBe('After');
  });

  it('includes a new task in the next list, and drops a deleted one', async () => {
    const listPath = `/v1/workspaces/${workspaceId}/tasks?limit=100&sort=-createdAt`;
    await send('GET', listPath, owner);
    const before = await hits();
    await send('GET', listPath, owner);
    expect(await hits()).toBe(before + 1);

    const task = await createTask('Listed at once');
    const ids = async () =>
      ((await (await send('GET', listPath, owner)).json()) as { data: TaskBody[] }).data.map((t) => t.id);
    expect(await ids()).toContain(task.id);

    const deleted = await send('DELETE', `/v1/workspaces/${workspaceId}/tasks/${task.id}`, owner, {
      headers: { 'if-match': `"${task.version}"` },
    });
    expect(deleted.status).toBe(204);
    expect(await ids()).not.toContain(task.id);
  });

  it('keys by the whole query and by the route version: filters, parameter order, v1 vs v2', async () => {
    const task = await createTask('Filtered');
    const base = `/v1/workspaces/${workspaceId}/tasks`;
    const unfiltered = (await (await send('GET', `${base}?limit=5`, owner)).json()) as { data: TaskBody[] };
    const filtered = (await (await send('GET', `${base}?limit=5&q=Filtered`, owner)).json()) as { data: TaskBody[] };
    expect(filtered.data.map((t) => t.title)).toEqual(['Filtered']);
    expect(unfiltered.data.length).toBeGreaterThan(1);

    const before = await hits();
    const reordered = (await (await send('GET', `${base}?q=Filtered&limit=5`, owner)).json()) as { data: TaskBody[] };
    expect(reordered).toEqual(filtered);
    expect(await hits()).toBe(before + 1);

    const v1 = (await (await send('GET', `${base}/${task.id}`, owner)).json()) as TaskBody;
    const v2 = (await (await send('GET', `/v2/workspaces/${workspaceId}/tasks/${task.id}`, owner)).json()) as TaskBody;
    expect(v1.key).toBeUndefined();
    expect(v2.key).toMatch(/^ENG-\d+$/);
  });

  it('shows a changed project key in cached v2 reads at once', async () => {
    const task = await createTask('Keyed');
    const v2Path = `/v2/workspaces/${workspaceId}/tasks/${task.id}`;
    expect(((await (await send('GET', v2Path, owner)).json()) as TaskBody).key).toMatch(/^ENG-/);
    const project = await send('GET', `/v1/workspaces/${workspaceId}/projects/${projectId}`, owner);
    const renamed = await send('PATCH', `/v1/workspaces/${workspaceId}/projects/${projectId}`, owner, {
      body: { key: 'ENX' },
      headers: { 'if-match': project.headers.get('etag') ?? '' },
    });
    expect(renamed.status).toBe(200);
    expect(((await (await send('GET', v2Path, owner)).json()) as TaskBody).key).toMatch(/^ENX-/);
  });

  it('never answers another workspace’s member from the cache: 404 for a task and a list it cannot see', async () => {
    const task = await createTask('Private');
    const path = `/v1/workspaces/${workspaceId}/tasks/${task.id}`;
    await send('GET', path, owner);
    await send('GET', path, owner);

    const foreign = await send('GET', path, outsider);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain('Private');
    expect(foreign.headers.get('cache-control')).toBe('private, no-cache');
    const list = await send('GET', `/v1/workspaces/${workspaceId}/tasks`, outsider);
    expect(list.status).toBe(404);
  });

  it('keeps public and explicit Cache-Control policies: JWKS stays public, anonymous answers get none of ours, no-store stays', async () => {
    const jwks = await fetch(`${url}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const anonymous = await fetch(`${url}/v1/workspaces/${workspaceId}/tasks`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('cache-control')).not.toBe('private, no-cache');
    // A route that sets its own (stricter) policy keeps it: the new API key's secret is in the body.
    const key = await send('POST', `/v1/workspaces/${workspaceId}/api-keys`, owner, {
      body: { name: 'ci', role: 'viewer' },
    });
    expect(key.status).toBe(201);
    expect(key.headers.get('cache-control')).toBe('no-store');
  });
});

describe('task reads while Redis is down', () => {
  let server: RedisServer;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await createApiApp(loadAppConfig('api', { ...process.env, LOG_LEVEL: 'error', REDIS_URL: server.url }));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const client = app.get(RedisService).client;
    if (client.status !== 'ready') await once(client, 'ready');
  });

  afterAll(async () => {
    // Close the app connected: a connection closed while reconnecting leaves a timer behind.
    const client = app.get(RedisService).client;
    if (client.status !== 'ready') {
      const ready = once(client, 'ready');
      await server.restart();
      await ready;
    }
    await app.close();
    await server.stop();
  });

  it('answers reads from the database (bypass counted), and the writer still reads its write', async () => {
    const userId = newId();
    await app.get(PrismaService).user.create({
      data: { id: userId, email: `caching-down-${userId}@example.test`, name: 'Ada', emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(userId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    const headers = { authorization: `Bearer ${session.tokens.accessToken}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) =>
      (await (await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as {
        id: string;
        version: number;
      };
    const workspace = await post('/v1/workspaces', { name: 'Down', slug: `down-${userId.slice(-12)}` });
    const project = await post(`/v1/workspaces/${workspace.id}/projects`, { name: 'Engine', key: 'ENG' });
    const task = await post(`/v1/workspaces/${workspace.id}/tasks`, { projectId: project.id, title: 'Before' });
    const path = `${url}/v1/workspaces/${workspace.id}/tasks/${task.id}`;
    expect((await fetch(path, { headers })).status).toBe(200);

    const client = app.get(RedisService).client;
    const closed = once(client, 'close');
    await server.stop();
    await closed;
    const metric = app.get(MetricsService).registry.getSingleMetric('cache_lookups_total');
    const bypasses = async () =>
      (await metric?.get())?.values.find((v) => v.labels.cache === 'tasks' && v.labels.result === 'bypass')?.value ?? 0;
    const before = await bypasses();

    const read = await fetch(path, { headers });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { title: string }).title).toBe('Before');
    const patched = await fetch(path, {
      method: 'PATCH',
      headers: { ...headers, 'if-match': `"${task.version}"` },
      body: JSON.stringify({ title: 'After' }),
    });
    expect(patched.status).toBe(200);
    const after = await fetch(path, { headers });
    expect(((await after.json()) as { title: string }).title).toBe('After');
    expect(await bypasses()).toBe(before + 2);
  });
});
