import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import { ACCESS_RULE, type AccessRule } from '../../../apps/api/src/http/auth/access-rules.js';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { IDEMPOTENT } from '../../../apps/api/src/http/idempotency/idempotent.decorator.js';
import { type ApiRoute, apiRoutes, routeMetadata } from '../../support/route-table.js';
import { deleteRedisKeys } from '../../support/test-redis.js';

/**
 * Bad input, generated rather than written: every route the api serves (read from Nest's
 * route metadata) × a deterministic corpus of hostile bodies, queries, path ids and headers,
 * sent by a workspace owner so the guards let everything through to validation and the
 * handlers. The bar (the issue): a 4xx problem, never a 5xx, never a partial write.
 *
 * Each case is either `reject` — invalid by construction, so it must be a 4xx problem — or
 * `survive` — possibly valid (an emoji in a name, an ignored header), so a 2xx/3xx is fine
 * but a 5xx never is, and any error must still be a problem. Request bodies are built from
 * the committed OpenAPI document (drift-checked against the code), one field at a time.
 */

interface Route extends ApiRoute {
  rule: AccessRule | undefined;
  idempotent: boolean;
}

type Expect = 'reject' | 'survive';

interface Case {
  label: string;
  expect: Expect;
  /** Replaces the route's path (for path-parameter cases) and/or appends a query string. */
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  /** A raw body; the content type defaults to JSON. */
  body?: string | Uint8Array;
  /** Expected exact status, where the contract names one. */
  status?: number;
  /** Sent over a plain socket: fetch refuses to send header values with control characters. */
  raw?: boolean;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** One HTTP/1.1 request written byte for byte, so that what no client library sends still arrives. */
async function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
): Promise<Answer> {
  const { port } = new URL(url);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const head = [
    `${method} ${path} HTTP/1.1`,
    `host: 127.0.0.1:${port}`,
    'connection: close',
    `content-length: ${payload.length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), payload]));
  });
  const text = response.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const answerHeaders = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) answerHeaders.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: answerHeaders,
    text: split < 0 ? '' : text.slice(split + 4),
  };
}

interface SchemaProperty {
  type?: string;
  format?: string;
  enum?: string[];
  maxLength?: number;
  $ref?: string;
  items?: SchemaProperty;
}

interface Schema {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}

interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}

const WRITES = ['POST', 'PUT', 'PATCH'];

/** The create routes and the table whose rows they add. */
const CREATES: Record<string, Table> = {
  'POST /v1/workspaces': 'workspaces',
  'POST /v1/workspaces/:workspaceId/projects': 'projects',
  'POST /v1/workspaces/:workspaceId/tasks': 'tasks',
  'POST /v1/workspaces/:workspaceId/tasks/:taskId/comments': 'task_comments',
  'POST /v1/workspaces/:workspaceId/invitations': 'invitations',
  'POST /v1/workspaces/:workspaceId/api-keys': 'api_keys',
  'POST /v1/workspaces/:workspaceId/webhooks': 'webhook_endpoints',
};

/** The delete routes that remove rows (api keys are revoked, tasks soft-deleted: their rows stay). */
const DELETES: Record<string, Table> = {
  'DELETE /v1/workspaces/:workspaceId': 'workspaces',
  'DELETE /v1/workspaces/:workspaceId/tasks/:taskId/comments/:commentId': 'task_comments',
  'DELETE /v1/workspaces/:workspaceId/invitations/:invitationId': 'invitations',
  'DELETE /v1/workspaces/:workspaceId/webhooks/:webhookId': 'webhook_endpoints',
};

type Table = 'workspaces' | 'projects' | 'tasks' | 'task_comments' | 'invitations' | 'api_keys' | 'webhook_endpoints';

/** mulberry32: a tiny seeded PRNG, so every run sends the same corpus. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function routesOf(app: INestApplication): Route[] {
  const routes = apiRoutes(app).map((route) => ({
    ...route,
    rule: routeMetadata<AccessRule>(route, ACCESS_RULE),
    idempotent: Reflect.getMetadata(IDEMPOTENT, route.handler) !== undefined,
  }));
  // Deletes last (an accepted delete must not spoil the other routes' fixtures).
  const weight = (r: Route) => (r.method === 'DELETE' ? 1 : 0);
  return routes.sort((a, b) => weight(a) - weight(b) || `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

const openapi = JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8')) as OpenApi;

function operationOf(route: Route): OpenApiOperation | undefined {
  const path = route.path.replace(/:(\w+)/g, '{$1}');
  return openapi.paths[path]?.[route.method.toLowerCase()];
}

function bodySchemaOf(route: Route): Schema | undefined {
  const ref = operationOf(route)?.requestBody?.content['application/json']?.schema.$ref;
  return ref ? openapi.components.schemas[ref.replace('#/components/schemas/', '')] : undefined;
}

function queryParamsOf(route: Route): string[] {
  return (operationOf(route)?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
}

/** A JSON array nested `depth` deep, and an object likewise: JSON.parse copes, does the rest? */
function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const KB100 = 'x'.repeat(100 * 1024);
const MB2 = 'y'.repeat(2 * 1024 * 1024);

describe('bad input on every route', () => {
  const prefix = `gwtest_fuzz_${process.pid}_${Date.now()}`;
  const random = prng(0x0f022);
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;
  let routes: Route[];

  const ids = {
    ownerId: '',
    authorization: '',
    workspaceId: '',
    spareWorkspaceId: '',
    projectId: '',
    taskId: '',
    commentId: '',
    keyId: '',
    invitationId: '',
    webhookId: '',
    deliveryId: '',
  };

  /** A well-formed UUID (v4 layout) from the seeded PRNG: points at nothing. */
  function seededUuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Each request comes from its own address: the per-IP auth limits stay out of the way. */
  function seededAddress(): string {
    const octet = () => 1 + Math.floor(random() * 254);
    return `10.${octet()}.${octet()}.${octet()}`;
  }

  let serial = 0;

  function concretePath(route: Route): string {
    return route.path.replace(/:(\w+)/g, (_match, name: string) => {
      switch (name) {
        case 'workspaceId':
          // An accepted workspace delete takes the spare, not the fixture the others use.
          return route.method === 'DELETE' && route.path === '/v1/workspaces/:workspaceId'
            ? ids.spareWorkspaceId
            : ids.workspaceId;
        case 'projectId':
          return ids.projectId;
        case 'taskId':
          return ids.taskId;
        case 'commentId':
          return ids.commentId;
        case 'userId':
          return ids.ownerId;
        case 'keyId':
          return ids.keyId;
        case 'invitationId':
          return ids.invitationId;
        case 'webhookId':
          return ids.webhookId;
        case 'deliveryId':
          return ids.deliveryId;
        case 'token':
          return 'x'.repeat(43);
        case 'provider':
          return 'unknown-provider';
        case 'key':
          return 'fuzz.flag';
        default:
          return seededUuid();
      }
    });
  }

  /** A plausible value per field, so a mutation of one field is the only thing wrong. */
  function validValue(field: string, property: SchemaProperty): unknown {
    if (property.enum) return property.enum[property.enum.length - 1];
    if (property.type === 'number' || property.type === 'integer') return 1;
    if (property.type === 'boolean') return true;
    if (property.type === 'array') return [];
    // A map of strings (a flag's variants), with the one name `defaultVariant` picks.
    if (property.type === 'object') return { fuzz: 'fuzz' };
    if (property.format === 'uuid') {
      if (field === 'projectId') return ids.projectId;
      if (field === 'assigneeId') return ids.ownerId;
      return seededUuid();
    }
    if (property.format === 'date-time') return '2099-01-01T00:00:00.000Z';
    if (/email/i.test(field)) return `fuzz-${serial}@fuzz.test`;
    if (/password/i.test(field)) return `Correct horse battery ${serial}`;
    if (field === 'key') return 'FZZ';
    if (field === 'slug') return `fuzz-${serial}`;
    if (/token/i.test(field)) return 'x'.repeat(43);
    return 'fuzz';
  }

  function baseBody(schema: Schema): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([field, property]) => [field, validValue(field, property)]),
    );
  }

  /** The corpus for one route. Bodies that depend on the schema are built when sent. */
  function casesFor(route: Route): Case[] {
    const cases: Case[] = [];
    const schema = bodySchemaOf(route);
    const hasBody = schema !== undefined;
    const bodyMustFail = hasBody ? 'reject' : 'survive';
    const isVersioned = /\/(tasks|projects)\/:(taskId|projectId)$/.test(route.path);
    const json = (value: unknown) => JSON.stringify(value);

    if (WRITES.includes(route.method)) {
      const base = () => (schema ? baseBody(schema) : {});
      cases.push({ label: 'body {}', expect: (schema?.required?.length ?? 0) > 0 ? 'reject' : 'survive', body: '{}' });
      cases.push({ label: 'body 2 MB string', expect: 'reject', status: 413, body: json({ name: MB2 }) });
      for (const [label, body] of [
        ['body []', '[]'],
        ['body "string"', '"a string"'],
        ['body null', 'null'],
        ['body true', 'true'],
        ['body 42', '42'],
        ['body wrong types', json({ name: 123, email: [], title: { $gt: '' }, role: 7, userId: false })],
        ['body __proto__', '{"__proto__":{"isAdmin":true},"name":"x"}'],
        ['body constructor', '{"constructor":{"prototype":{"isAdmin":true}}}'],
        ['body isAdmin', () => json({ ...base(), isAdmin: true, role: 'owner' })],
        ['body nested arrays depth 5000', deepArray(5000)],
        ['body nested objects depth 5000', deepObject(5000)],
      ] as const) {
        cases.push({ label, expect: bodyMustFail, body: typeof body === 'function' ? body() : body });
      }
      cases.push({ label: 'body invalid JSON', expect: 'reject', status: 400, body: '{"name": "x",' });
      cases.push({
        label: 'body not UTF-8',
        expect: 'reject',
        body: Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      });
      cases.push({ label: 'body empty', expect: (schema?.required?.length ?? 0) > 0 ? 'reject' : 'survive', body: '' });
      for (const type of [
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'application/x-protobuf',
        ';;;',
      ]) {
        cases.push({
          label: `content-type ${type}`,
          expect: bodyMustFail,
          headers: { 'content-type': type },
          body: type === 'application/x-protobuf' ? Uint8Array.from([0xff, 0xff, 0xff, 0x0f, 0x12]) : 'name=x&<a/>',
        });
      }
      for (const [field, property] of Object.entries(schema?.properties ?? {})) {
        const mutate = (label: string, expect: Expect, value: unknown, raw?: string): Case => ({
          label: `${field}: ${label}`,
          expect,
          body: raw ?? json({ ...base(), [field]: value }),
        });
        const isString = property.type === 'string' || property.type === undefined;
        if (isString) {
          cases.push(mutate('number', 'reject', 123));
          cases.push(mutate('100 KB string', 'reject', KB100));
          cases.push(mutate('NUL byte', 'survive', 'a\u0000b'));
          cases.push(mutate('emoji', 'survive', '😀'));
          cases.push(
            mutate(
              'lone surrogate',
              'survive',
              undefined,
              json({ ...base(), [field]: 'PLACEHOLDER' }).replace('"PLACEHOLDER"', '"\\ud800"'),
            ),
          );
          if (property.format === 'uuid') cases.push(mutate('not a uuid', 'reject', 'not-a-uuid'));
          if (property.format === 'date-time') cases.push(mutate('not a date', 'reject', '2024-13-45T99:99:99Z'));
          if (property.enum) cases.push(mutate('bogus enum', 'reject', 'bogus'));
        } else if (property.type === 'number' || property.type === 'integer') {
          cases.push(mutate('string', 'reject', 'abc'));
          cases.push(mutate('negative', 'survive', -1));
          cases.push(mutate('1e308', 'reject', 1e308));
          cases.push(mutate('fraction', 'survive', 1.5));
        } else if (property.type === 'array') {
          cases.push(mutate('string', 'reject', 'abc'));
          cases.push(
            mutate(
              '10 000 items',
              'reject',
              Array.from({ length: 10_000 }, (_, i) => `l${i}`),
            ),
          );
          cases.push(mutate('items of wrong type', 'reject', [1, {}, null]));
          cases.push(mutate('NUL item', 'survive', ['a\u0000b']));
        }
        cases.push(mutate('operator object', 'reject', { $gt: '' }));
        cases.push(mutate('array', property.type === 'array' ? 'survive' : 'reject', ['x']));
        cases.push(mutate('null', 'survive', null));
        cases.push(
          mutate(
            'deep object',
            'reject',
            undefined,
            json({ ...base(), [field]: 'DEEP' }).replace('"DEEP"', deepObject(2000)),
          ),
        );
      }
    }

    if (route.method === 'GET') {
      const params = queryParamsOf(route);
      const isList = params.includes('limit');
      const listMustFail = isList ? 'reject' : 'survive';
      const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const garbage = Buffer.from(Array.from({ length: 48 }, () => Math.floor(random() * 256))).toString('base64url');
      for (const [query, expect] of [
        ['limit=-1', listMustFail],
        ['limit=0', listMustFail],
        ['limit=1e9', listMustFail],
        ['limit=abc', listMustFail],
        ['limit=1.5', listMustFail],
        ['limit=99999999999999999999999', listMustFail],
        ['limit[$gt]=1', listMustFail],
        ['limit=10&limit=20', 'survive'],
        [`cursor=${garbage}`, listMustFail],
        ['cursor=%00%FF', listMustFail],
        [`cursor=${cursor({ id: { $gt: '' }, k: [1, 2], v: null })}`, listMustFail],
        [`cursor=${cursor(['a', 1, true])}`, listMustFail],
        [`cursor=${cursor('x'.repeat(5000))}`, listMustFail],
        [`cursor=${'A'.repeat(10_000)}`, listMustFail],
        ['sort=__proto__', params.includes('sort') ? 'reject' : 'survive'],
        ['sort=-', params.includes('sort') ? 'reject' : 'survive'],
        ['sort=constructor', params.includes('sort') ? 'reject' : 'survive'],
        ['sort=createdAt&sort=-createdAt', 'survive'],
        ['status=bogus', params.includes('status') ? 'reject' : 'survive'],
        ['status=todo&status=bogus&status=%00', params.includes('status') ? 'reject' : 'survive'],
        ['priority=bogus', params.includes('priority') ? 'reject' : 'survive'],
        ['projectId=not-a-uuid', params.includes('projectId') ? 'reject' : 'survive'],
        ['assigneeId=%F0%9F%98%80', params.includes('assigneeId') ? 'reject' : 'survive'],
        ['dueBefore=yesterday', params.includes('dueBefore') ? 'reject' : 'survive'],
        ['dueAfter=-271821-04-20T00:00:00Z', 'survive'],
        ['label=%00', 'survive'],
        ['q=%25', 'survive'],
        ['q=_', 'survive'],
        ['q=%5C', 'survive'],
        ['q=a%00b', 'survive'],
        ['q=%F0%9F%98%80', 'survive'],
        ['q=%ED%A0%80', 'survive'],
        ['q=%E0%A4%A', 'survive'],
        [`q=${'q'.repeat(10 * 1024)}`, 'survive'],
        ['q=a&q=b', 'survive'],
        ['unknownParam=1&__proto__=x&constructor[prototype][isAdmin]=1', listMustFail],
      ] as const) {
        cases.push({ label: `query ${query.length > 60 ? `${query.slice(0, 60)}…` : query}`, expect, query });
      }
    }

    // Path parameters: ids that are no UUIDs.
    if (/:(\w+)Id\b/.test(route.path)) {
      for (const bad of [
        'not-a-uuid',
        '%F0%9F%98%80',
        '%00',
        "1'%20OR%20'1'='1",
        '00000000-0000-0000-0000-00000000000g',
      ]) {
        const path = route.path.replace(/:(\w+Id)\b/g, bad);
        cases.push({ label: `path ids ${bad}`, expect: 'reject', path });
      }
    }

    // Headers.
    if (['PATCH', 'PUT', 'DELETE'].includes(route.method)) {
      for (const value of ['garbage', '"99999999999"', 'W/"1"', '"-1"', '"1", "2"']) {
        cases.push({
          label: `If-Match: ${value}`,
          expect: isVersioned ? 'reject' : 'survive',
          headers: { 'if-match': value },
        });
      }
    }
    if (route.method === 'POST') {
      cases.push({
        label: 'Idempotency-Key of 300 chars',
        expect: route.idempotent ? 'reject' : 'survive',
        headers: { 'idempotency-key': 'k'.repeat(300) },
      });
      cases.push({
        label: 'Idempotency-Key with control characters',
        expect: route.idempotent ? 'reject' : 'survive',
        headers: { 'idempotency-key': 'key\u0001\u007f\u0008' },
        raw: true,
      });
      cases.push({
        label: 'Idempotency-Key with non-ASCII',
        expect: route.idempotent ? 'reject' : 'survive',
        headers: { 'idempotency-key': 'clé-ü' },
      });
    }
    if (route.method === 'GET') {
      cases.push({ label: 'If-None-Match: garbage', expect: 'survive', headers: { 'if-none-match': '"\u00ff,,,' } });
    }
    cases.push({ label: 'Accept: ;;;', expect: 'survive', headers: { accept: ';;;' } });
    cases.push({
      label: 'Accept: */*;q=abc',
      expect: 'survive',
      headers: { accept: '*/*;q=abc, application/json;q=-1' },
    });
    if (route.rule?.kind !== 'public') {
      for (const value of ['Bearer gw_x_y', 'Bearer a.b.c', 'Bearer', 'Basic %%%']) {
        cases.push({
          label: `Authorization: ${value}`,
          expect: 'reject',
          status: 401,
          headers: { authorization: value },
        });
      }
    }
    return cases;
  }

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: ids.authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return { json: (text ? JSON.parse(text) : undefined) as { id: string; version?: number }, response };
  }

  async function freshSession(): Promise<string> {
    const session = await app.get(SessionsService).open(ids.ownerId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return `Bearer ${session.tokens.accessToken}`;
  }

  async function counts(): Promise<Record<Table, number>> {
    const mine = { memberships: { some: { userId: ids.ownerId } } };
    const workspaceIds = (await prisma.workspace.findMany({ where: mine, select: { id: true } })).map((w) => w.id);
    const inMine = { workspaceId: { in: workspaceIds } };
    return {
      workspaces: workspaceIds.length,
      projects: await prisma.project.count({ where: inMine }),
      tasks: await prisma.task.count({ where: inMine }),
      task_comments: await prisma.taskComment.count({ where: inMine }),
      invitations: await prisma.invitation.count({ where: inMine }),
      api_keys: await prisma.apiKey.count({ where: inMine }),
      webhook_endpoints: await prisma.webhookEndpoint.count({ where: inMine }),
    };
  }

  beforeAll(async () => {
    ids.ownerId = newId();
    // Own rate-limit counters; every request may name its own client address. The owner is a
    // platform administrator too, so the platform's routes are fuzzed past their guard.
    const config = loadAppConfig('api', {
      ...process.env,
      PLATFORM_ADMIN_EMAILS: `owner-${ids.ownerId}@fuzz.test`,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '10000000',
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'error',
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
    routes = routesOf(app);

    await prisma.user.create({
      data: {
        id: ids.ownerId,
        email: `owner-${ids.ownerId}@fuzz.test`,
        name: 'Fuzz owner',
        emailVerifiedAt: new Date(),
      },
    });
    ids.authorization = await freshSession();

    // The fixtures are made through the api, so their ids are real.
    ids.workspaceId = (await api('POST', '/v1/workspaces', { name: 'Fuzz', slug: `fuzz-${ids.ownerId}` })).json.id;
    ids.spareWorkspaceId = (
      await api('POST', '/v1/workspaces', { name: 'Spare', slug: `spare-${ids.ownerId}` })
    ).json.id;
    const ws = `/v1/workspaces/${ids.workspaceId}`;
    ids.projectId = (await api('POST', `${ws}/projects`, { name: 'Fuzz', key: 'FUZ' })).json.id;
    ids.taskId = (await api('POST', `${ws}/tasks`, { projectId: ids.projectId, title: 'Fuzz' })).json.id;
    ids.commentId = (await api('POST', `${ws}/tasks/${ids.taskId}/comments`, { body: 'Fuzz' })).json.id;
    ids.keyId = (await api('POST', `${ws}/api-keys`, { name: 'Fuzz', role: 'member' })).json.id;
    ids.invitationId = (await api('POST', `${ws}/invitations`, { email: 'invitee@fuzz.test', role: 'member' })).json.id;
    ids.webhookId = (await api('POST', `${ws}/webhooks`, { url: 'https://hooks.fuzz.test/', events: ['*'] })).json.id;
    // Deliveries are the worker's to create; the fixture writes one as it would.
    ids.deliveryId = (
      await prisma.webhookDelivery.create({
        data: {
          id: newId(),
          workspaceId: ids.workspaceId,
          endpointId: ids.webhookId,
          eventId: newId(),
          eventType: 'task.created',
          payload: { type: 'task.created', timestamp: new Date().toISOString(), data: {} },
        },
      })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  it('finds the routes of every module', () => {
    expect(routes.length).toBeGreaterThan(40);
    // The versioned routes' bodies and queries are read from the OpenAPI document.
    const undocumented = routes
      .filter((r) => /^\/v\d\//.test(r.path) && !operationOf(r))
      .map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
  });

  it('answers every bad input on every route with a 4xx problem, never a 5xx, and writes nothing it refused', async () => {
    const before = await counts();
    const accepted: Record<Table, number> = {
      workspaces: 0,
      projects: 0,
      tasks: 0,
      task_comments: 0,
      invitations: 0,
      api_keys: 0,
      webhook_endpoints: 0,
    };
    const violations: string[] = [];
    /** Every answer, for FUZZ_TRACE=<file> when a run needs explaining. */
    const trace: string[] = [];
    let sent = 0;

    for (const route of routes) {
      // Public routes are called anonymously; logout gets a session of its own each time.
      const anonymous = route.rule?.kind === 'public';
      const ownSession = route.path === '/v1/auth/logout';
      const table = CREATES[`${route.method} ${route.path}`];
      const deletes = DELETES[`${route.method} ${route.path}`];
      for (const testCase of casesFor(route)) {
        serial += 1;
        const headers: Record<string, string> = {
          'x-forwarded-for': seededAddress(),
          ...(anonymous ? {} : { authorization: ownSession ? await freshSession() : ids.authorization }),
        };
        const path = testCase.path ?? concretePath(route);
        if (WRITES.includes(route.method)) headers['content-type'] = 'application/json';
        // Versioned writes get the current ETag, so the body is what is judged.
        if (/\/(tasks|projects)\/[^/]+$/.test(path) && ['PATCH', 'PUT'].includes(route.method) && !testCase.path) {
          const current = await fetch(`${url}${path}`, { headers: { authorization: ids.authorization } });
          await current.body?.cancel();
          const etag = current.headers.get('etag');
          if (etag) headers['if-match'] = etag;
        }
        Object.assign(headers, testCase.headers);
        let body = testCase.body;
        if (body === undefined && WRITES.includes(route.method)) {
          const schema = bodySchemaOf(route);
          body = JSON.stringify(schema ? baseBody(schema) : {});
        }
        const where = `${route.method} ${route.path} [${testCase.label}]`;
        const target = `${path}${testCase.query ? `?${testCase.query}` : ''}`;
        let response: Answer;
        try {
          if (testCase.raw) {
            response = await rawRequest(url, route.method, target, headers, body);
          } else {
            const answer = await fetch(`${url}${target}`, {
              method: route.method,
              headers,
              body,
              redirect: 'manual',
              signal: AbortSignal.timeout(15_000),
            });
            response = { status: answer.status, headers: answer.headers, text: await answer.text() };
          }
        } catch (error) {
          violations.push(`${where}: no answer (${String(error)}: ${String((error as Error).cause)})`);
          continue;
        }
        sent += 1;
        const type = response.headers.get('content-type') ?? '';
        const text = response.text;
        trace.push(`${response.status} ${where}`);
        if (response.status >= 500) {
          violations.push(`${where}: ${response.status} ${text.slice(0, 200)}`);
          continue;
        }
        if (response.status < 400) {
          if (testCase.expect === 'reject') violations.push(`${where}: accepted with ${response.status}`);
          else if (table && response.status === 201 && response.headers.get('idempotent-replayed') !== 'true') {
            accepted[table] += 1;
          } else if (deletes && response.status === 204) {
            accepted[deletes] -= 1;
          }
          continue;
        }
        if (testCase.status !== undefined && response.status !== testCase.status && response.status !== 429) {
          violations.push(`${where}: expected ${testCase.status}, got ${response.status}`);
        }
        if (!type.startsWith('application/problem+json')) {
          violations.push(`${where}: ${response.status} is not a problem (${type || 'no content type'})`);
          continue;
        }
        try {
          const problem = JSON.parse(text) as { status?: unknown; type?: unknown; title?: unknown };
          if (
            problem.status !== response.status ||
            typeof problem.type !== 'string' ||
            typeof problem.title !== 'string'
          ) {
            violations.push(`${where}: malformed problem ${text.slice(0, 200)}`);
          }
        } catch {
          violations.push(`${where}: problem body is not JSON`);
        }
      }
    }

    const after = await counts();
    for (const table of Object.keys(before) as Table[]) {
      if (after[table] - before[table] !== accepted[table]) {
        violations.push(
          `${table}: ${after[table] - before[table]} rows added, but the accepted creates and deletes account for ${accepted[table]}`,
        );
      }
    }
    if (process.env.FUZZ_TRACE) writeFileSync(process.env.FUZZ_TRACE, `${trace.join('\n')}\n`);
    console.info(`fuzz: ${sent} (route × input) cases sent over ${routes.length} routes`);
    // `__proto__` and `constructor` bodies polluted nothing in this process.
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(violations).toEqual([]);
    expect(sent).toBeGreaterThan(routes.length * 20);
  }, 240_000);
});
