import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, type INestApplication, Module, Post } from '@nestjs/common';
import { IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import protobuf from 'protobufjs';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import { Public } from '../../../apps/api/src/http/auth/access-rules.js';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { Negotiated, ProtobufMessage } from '../../../apps/api/src/http/negotiation/negotiated.decorator.js';

const TASK = {
  id: '01930000-0000-7000-8000-0000000000aa',
  projectId: '01930000-0000-7000-8000-0000000000bb',
  number: 12,
  title: 'Ship <v2> & "celebrate"',
  description: null,
  status: 'in_progress',
  priority: 'high',
  assigneeId: null,
  labels: ['backend', 'release'],
  dueAt: '2026-12-01T00:00:00.000Z',
  version: 3,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:00.000Z',
};

class EchoTaskDto {
  @IsString()
  @MaxLength(36)
  projectId!: string;

  @IsString()
  @MaxLength(200)
  title!: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  labels?: string[];
}

@ProtobufMessage('groundwork.v1.CreateTaskRequest')
class ProtobufEchoTaskDto extends EchoTaskDto {}

// Test routes are public: this suite is about representations, not about access control.
@Public()
@Controller({ path: 'negotiation-test', version: '1' })
class NegotiationTestController {
  @Get('task')
  @Negotiated({ xml: { root: 'task', items: { labels: 'label' } }, protobuf: 'groundwork.v1.Task' })
  task(): typeof TASK {
    return TASK;
  }

  @Get('tasks')
  @Negotiated({
    xml: { root: 'taskPage', items: { data: 'task', labels: 'label' } },
    protobuf: 'groundwork.v1.TaskPage',
  })
  tasks(): { data: (typeof TASK)[]; page: { nextCursor: string | null; limit: number } } {
    return { data: [TASK, { ...TASK, number: 13 }], page: { nextCursor: null, limit: 20 } };
  }

  @Post('protobuf-echo')
  protobufEcho(@Body() body: ProtobufEchoTaskDto): ProtobufEchoTaskDto {
    return body;
  }

  @Post('json-echo')
  jsonEcho(@Body() body: EchoTaskDto): EchoTaskDto {
    return body;
  }
}

@Module({ controllers: [NegotiationTestController] })
class NegotiationTestModule {}

describe('content negotiation: JSON, XML and Protocol Buffers', () => {
  let app: INestApplication;
  let url: string;
  let root: protobuf.Root;

  beforeAll(async () => {
    const config = loadAppConfig('api', { ...process.env, LOG_LEVEL: 'error' });
    app = await createApiApp(config, { imports: [NegotiationTestModule] });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    root = await protobuf.load('proto/task.proto');
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string, accept?: string) =>
    fetch(`${url}${path}`, { headers: accept === undefined ? {} : { accept } });

  it('answers JSON by default, saying that the answer varies with Accept', async () => {
    const res = await get('/v1/negotiation-test/task');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    expect(await res.json()).toEqual(TASK);
  });

  it('answers XML for Accept: application/xml, markup escaped and arrays wrapped', async () => {
    const res = await get('/v1/negotiation-test/task', 'application/xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<task>/);
    expect(xml).toContain('<title>Ship &lt;v2&gt; &amp; &quot;celebrate&quot;</title>');
    expect(xml).toContain('<labels><label>backend</label><label>release</label></labels>');
    expect(xml).toContain('<assigneeId/>');
  });

  it('answers Protocol Buffers for Accept: application/x-protobuf, decodable with the served .proto', async () => {
    const res = await get('/v1/negotiation-test/task', 'application/x-protobuf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const Task = root.lookupType('groundwork.v1.Task');
    const decoded = Task.toObject(Task.decode(new Uint8Array(await res.arrayBuffer())), { defaults: false });
    const { description: _d, assigneeId: _a, ...present } = TASK;
    expect(decoded).toEqual(present);
  });

  it('writes lists in every representation too', async () => {
    const xml = await (await get('/v1/negotiation-test/tasks', 'application/xml')).text();
    expect(xml).toMatch(/<taskPage><data><task><id>/);
    expect(xml).toContain('<page><nextCursor/><limit>20</limit></page>');
    const res = await get('/v1/negotiation-test/tasks', 'application/x-protobuf');
    const TaskPage = root.lookupType('groundwork.v1.TaskPage');
    const page = TaskPage.toObject(TaskPage.decode(new Uint8Array(await res.arrayBuffer()))) as {
      data: { number: number }[];
      page: { limit: number };
    };
    expect(page.data.map((t) => t.number)).toEqual([12, 13]);
    expect(page.page.limit).toBe(20);
  });

  it('follows quality values in Accept', async () => {
    const res = await get('/v1/negotiation-test/task', 'application/json;q=0.2, application/xml;q=0.9');
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
  });

  it('answers an Accept it cannot satisfy with a 406 problem naming what is available', async () => {
    const res = await get('/v1/negotiation-test/task', 'text/html');
    expect(res.status).toBe(406);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { available: string[] };
    expect(body.available).toEqual(['application/json', 'application/xml', 'application/x-protobuf']);
  });

  it('takes a Protocol Buffers body on a route whose DTO declares a message, validated like JSON', async () => {
    const Create = root.lookupType('groundwork.v1.CreateTaskRequest');
    const bytes = Create.encode(
      Create.fromObject({ projectId: TASK.projectId, title: 'From protobuf', labels: ['a'] }),
    ).finish();
    const res = await fetch(`${url}/v1/negotiation-test/protobuf-echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: bytes,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ projectId: TASK.projectId, title: 'From protobuf', labels: ['a'] });
  });

  it('refuses a Protocol Buffers body that fails validation with 422, and garbage bytes with 400', async () => {
    const Create = root.lookupType('groundwork.v1.CreateTaskRequest');
    const tooLong = Create.encode(Create.fromObject({ projectId: TASK.projectId, title: 'x'.repeat(201) })).finish();
    const invalid = await fetch(`${url}/v1/negotiation-test/protobuf-echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: tooLong,
    });
    expect(invalid.status).toBe(422);
    const garbage = await fetch(`${url}/v1/negotiation-test/protobuf-echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]),
    });
    expect(garbage.status).toBe(400);
  });

  it('answers 415 to a Protocol Buffers body on a JSON-only route, and to any other media type', async () => {
    const protobufOnJsonRoute = await fetch(`${url}/v1/negotiation-test/json-echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0x01, 0x61]),
    });
    expect(protobufOnJsonRoute.status).toBe(415);
    const text = await fetch(`${url}/v1/negotiation-test/json-echo`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('serves the .proto source as text/plain at /v1/schemas/task.proto', async () => {
    const res = await get('/v1/schemas/task.proto');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const source = await res.text();
    expect(source).toContain('package groundwork.v1;');
    expect(source).toContain('message Task {');
  });
});

describe('tasks in every representation, through the real routes', () => {
  let app: INestApplication;
  let url: string;
  let root: protobuf.Root;
  let authorization: string;
  let workspaceId: string;
  let projectId: string;

  beforeAll(async () => {
    const config = loadAppConfig('api', { ...process.env, LOG_LEVEL: 'error' });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    root = await protobuf.load('proto/task.proto');
    const prisma = app.get(PrismaService);
    const userId = newId();
    await prisma.user.create({
      data: { id: userId, email: `negotiation-${userId}@example.test`, name: 'Ada', emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(userId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    authorization = `Bearer ${session.tokens.accessToken}`;
    const workspace = await fetch(`${url}/v1/workspaces`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Negotiation', slug: `negotiation-${userId.slice(-12)}` }),
    });
    workspaceId = ((await workspace.json()) as { id: string }).id;
    const project = await fetch(`${url}/v1/workspaces/${workspaceId}/projects`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Engine', key: 'ENG' }),
    });
    projectId = ((await project.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await app.close();
  });

  function createTaskAsProtobuf(title: string, idempotencyKey: string): Promise<Response> {
    const Create = root.lookupType('groundwork.v1.CreateTaskRequest');
    const body = Create.encode(Create.fromObject({ projectId, title, labels: ['proto'], priority: 'high' })).finish();
    return fetch(`${url}/v1/workspaces/${workspaceId}/tasks`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-protobuf', 'idempotency-key': idempotencyKey },
      body,
    });
  }

  it('creates a task from a Protocol Buffers body, and replays it for the same Idempotency-Key', async () => {
    const key = `proto-${newId()}`;
    const first = await createTaskAsProtobuf('Written in protobuf', key);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string; number: number; labels: string[]; priority: string };
    expect(created).toMatchObject({ number: 1, labels: ['proto'], priority: 'high' });

    const again = await createTaskAsProtobuf('Written in protobuf', key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(created.id);
  });

  it('reads a task as XML and as Protocol Buffers with the same values as JSON, ETag included', async () => {
    const list = (await (
      await fetch(`${url}/v1/workspaces/${workspaceId}/tasks`, { headers: { authorization } })
    ).json()) as { data: { id: string }[] };
    const taskId = list.data[0]?.id ?? '';
    const taskUrl = `${url}/v1/workspaces/${workspaceId}/tasks/${taskId}`;
    const json = await fetch(taskUrl, { headers: { authorization } });
    const asJson = (await json.json()) as { title: string; version: number };

    const xml = await fetch(taskUrl, { headers: { authorization, accept: 'application/xml' } });
    expect(xml.headers.get('etag')).toBe(json.headers.get('etag'));
    expect(await xml.text()).toContain(`<title>${asJson.title}</title>`);

    const binary = await fetch(taskUrl, { headers: { authorization, accept: 'application/x-protobuf' } });
    const Task = root.lookupType('groundwork.v1.Task');
    const decoded = Task.toObject(Task.decode(new Uint8Array(await binary.arrayBuffer()))) as {
      id: string;
      title: string;
      version: number;
    };
    expect(decoded).toMatchObject({ id: taskId, title: asJson.title, version: asJson.version });

    const notModified = await fetch(taskUrl, {
      headers: { authorization, accept: 'application/xml', 'if-none-match': json.headers.get('etag') ?? '' },
    });
    expect(notModified.status).toBe(304);
  });

  it('lists tasks as Protocol Buffers and refuses text/csv with 406', async () => {
    const binary = await fetch(`${url}/v1/workspaces/${workspaceId}/tasks`, {
      headers: { authorization, accept: 'application/x-protobuf' },
    });
    const TaskPage = root.lookupType('groundwork.v1.TaskPage');
    const page = TaskPage.toObject(TaskPage.decode(new Uint8Array(await binary.arrayBuffer()))) as {
      data: unknown[];
    };
    expect(page.data.length).toBeGreaterThan(0);
    const csv = await fetch(`${url}/v1/workspaces/${workspaceId}/tasks`, {
      headers: { authorization, accept: 'text/csv' },
    });
    expect(csv.status).toBe(406);
  });

  it('marks the v1 task reads deprecated, linking their v2 successor beside the next-page link', async () => {
    const res = await fetch(`${url}/v1/workspaces/${workspaceId}/tasks?limit=1&priority=high`, {
      headers: { authorization },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(new Date(res.headers.get('sunset') ?? '').getTime()).toBeGreaterThan(Date.now());
    const link = res.headers.get('link') ?? '';
    expect(link).toContain(`/v2/workspaces/${workspaceId}/tasks?limit=1&priority=high>; rel="successor-version"`);
  });

  it('serves the v2 shape — key and embedded assignee — from the same service, without deprecation', async () => {
    const list = await fetch(`${url}/v2/workspaces/${workspaceId}/tasks`, { headers: { authorization } });
    expect(list.status).toBe(200);
    expect(list.headers.get('deprecation')).toBeNull();
    const body = (await list.json()) as { data: { id: string; key: string; assignee: unknown }[] };
    expect(body.data[0]?.key).toMatch(/^ENG-\d+$/);
    expect(body.data[0]).not.toHaveProperty('assigneeId');
    expect(body.data[0]?.assignee).toBeNull();
    const one = await fetch(`${url}/v2/workspaces/${workspaceId}/tasks/${body.data[0]?.id ?? ''}`, {
      headers: { authorization, accept: 'application/xml' },
    });
    expect(one.status).toBe(200);
    expect(await one.text()).toMatch(/<key>ENG-\d+<\/key>/);
    const protobufV2 = await fetch(`${url}/v2/workspaces/${workspaceId}/tasks`, {
      headers: { authorization, accept: 'application/x-protobuf' },
    });
    expect(protobufV2.status).toBe(406);
  });
});
