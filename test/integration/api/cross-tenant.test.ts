import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { type ApiRoute, apiRoutes } from '../../support/route-table.js';
import { deleteRedisKeys } from '../../support/test-redis.js';
import { callJson } from '../../support/json-call.js';

/**
 * Cross-tenant access (OWASP API1, BOLA): a caller who owns workspace A — so every guard lets
 * them into A — names resources of workspace B under A's path. Every route that takes a
 * resource id must answer 404 and change nothing in B. The routes are read from Nest's
 * metadata, so a new route with an id parameter is covered without editing this file.
 */

type Route = Pick<ApiRoute, 'method' | 'path'>;

function routesWithResourceIds(app: INestApplication): Route[] {
  return apiRoutes(app).filter((route) => {
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    return params.includes('workspaceId') && params.some((p) => p !== 'workspaceId');
  });
}

/** A body that passes validation, so what answers is the resource lookup, not the DTO. */
function validBodyFor(route: Route): unknown {
  if (!['POST', 'PUT', 'PATCH'].includes(route.method)) return undefined;
  if (route.method === 'PUT' && route.path.endsWith(':taskId')) {
    return {
      title: 'Taken over',
      description: null,
      status: 'todo',
      priority: 'none',
      assigneeId: null,
      labels: [],
      dueAt: null,
    };
  }
  if (route.path.endsWith(':taskId/comments')) return { body: 'Hello from another tenant' };
  if (route.path.endsWith(':commentId')) return { body: 'Rewritten' };
  if (route.path.endsWith('members/:userId')) return { role: 'viewer' };
  if (route.path.endsWith(':projectId')) return { name: 'Taken over' };
  if (route.path.endsWith(':taskId')) return { title: 'Taken over' };
  if (route.path.endsWith(':webhookId')) return { description: 'Taken over' };
  return undefined;
}

describe('cross-tenant access by resource id', () => {
  const prefix = `gwtest_tenant_${process.pid}_${Date.now()}`;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;
  let authorization: string;
  let workspaceA: string;
  let workspaceB: string;
  let storageDir: string;
  const foreign: Record<string, string> = {};
  let ownProjectId: string;

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    callJson(`${url}${path}`, method, { authorization, body, headers });

  beforeAll(async () => {
    storageDir = await mkdtemp(path.join(tmpdir(), 'gw-tenant-files-'));
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
      STORAGE_DIR: storageDir,
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);

    const users = [newId(), newId()];
    for (const id of users) {
      await prisma.user.create({
        data: { id, email: `tenant-${id}@example.test`, name: 'Tenant', emailVerifiedAt: new Date() },
      });
    }
    const [owner = '', memberOfB = ''] = users;
    const session = await app.get(SessionsService).open(owner, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    authorization = `Bearer ${session.tokens.accessToken}`;

    // The caller owns both workspaces: the guards admit them to A, so only the services'
    // workspace scoping stands between A's routes and B's rows.
    const slug = owner.slice(-12);
    workspaceA = String((await call('POST', '/v1/workspaces', { name: 'A', slug: `tenant-a-${slug}` })).body.id);
    workspaceB = String((await call('POST', '/v1/workspaces', { name: 'B', slug: `tenant-b-${slug}` })).body.id);
    await prisma.membership.create({ data: { workspaceId: workspaceB, userId: memberOfB, role: 'member' } });
    const b = `/v1/workspaces/${workspaceB}`;
    foreign.projectId = String((await call('POST', `${b}/projects`, { name: 'Secret', key: 'SEC' })).body.id);
    foreign.taskId = String(
      (await call('POST', `${b}/tasks`, { projectId: foreign.projectId, title: 'Secret task' })).body.id,
    );
    foreign.commentId = String(
      (await call('POST', `${b}/tasks/${foreign.taskId}/comments`, { body: 'Secret' })).body.id,
    );
    const file = new FormData();
    file.append('file', new Blob(['Secret bytes'], { type: 'text/plain' }), 'secret.txt');
    const uploaded = await fetch(`${url}${b}/tasks/${foreign.taskId}/attachments`, {
      method: 'POST',
      headers: { authorization },
      body: file,
    });
    foreign.attachmentId = String(((await uploaded.json()) as { id: string }).id);
    foreign.keyId = String((await call('POST', `${b}/api-keys`, { name: 'Secret key', role: 'viewer' })).body.id);
    foreign.invitationId = String(
      (await call('POST', `${b}/invitations`, { email: `invitee-${slug}@example.test`, role: 'viewer' })).body.id,
    );
    foreign.userId = memberOfB;
    foreign.webhookId = String(
      (await call('POST', `${b}/webhooks`, { url: 'https://hooks.example.test/b', events: ['*'] })).body.id,
    );
    // Deliveries are the worker's to create; the fixture writes one as it would.
    foreign.deliveryId = (
      await prisma.webhookDelivery.create({
        data: {
          id: newId(),
          workspaceId: workspaceB,
          endpointId: foreign.webhookId,
          eventId: newId(),
          eventType: 'task.created',
          payload: { type: 'task.created', timestamp: new Date().toISOString(), data: {} },
        },
      })
    ).id;
    ownProjectId = String(
      (await call('POST', `/v1/workspaces/${workspaceA}/projects`, { name: 'Own', key: 'OWN' })).body.id,
    );
  });

  afterAll(async () => {
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
    await rm(storageDir, { recursive: true, force: true });
  });

  it('answers 404 on every route given an id of another workspace’s resource, and changes nothing there', async () => {
    const routes = routesWithResourceIds(app);
    expect(routes.length).toBeGreaterThan(10);
    const mismatches: string[] = [];
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_m, name: string) =>
        name === 'workspaceId' ? workspaceA : (foreign[name] ?? newId()),
      );
      // If-Match names the foreign resource's current version, so only the scoping can refuse.
      const answer = await call(route.method, path, validBodyFor(route), { 'if-match': '"1"' });
      if (answer.status !== 404)
        mismatches.push(`${route.method} ${route.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    expect(mismatches).toEqual([]);

    const b = `/v1/workspaces/${workspaceB}`;
    const task = await call('GET', `${b}/tasks/${foreign.taskId}`);
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ title: 'Secret task', version: 1 });
    expect((await call('GET', `${b}/projects/${foreign.projectId}`)).body).toMatchObject({ name: 'Secret' });
    expect((await call('GET', `${b}/api-keys/${foreign.keyId}`)).status).toBe(200);
    expect((await call('GET', `${b}/invitations/${foreign.invitationId}`)).status).toBe(200);
    const comments = await call('GET', `${b}/tasks/${foreign.taskId}/comments`);
    expect(comments.body.data).toEqual([expect.objectContaining({ id: foreign.commentId, body: 'Secret' })]);
    const attachment = await fetch(`${url}${b}/tasks/${foreign.taskId}/attachments/${foreign.attachmentId}/content`, {
      headers: { authorization },
    });
    expect([attachment.status, await attachment.text()]).toEqual([200, 'Secret bytes']);
    const webhook = await call('GET', `${b}/webhooks/${foreign.webhookId}`);
    expect(webhook.body).toMatchObject({ description: null, enabled: true });
    const delivery = await call('GET', `${b}/webhooks/${foreign.webhookId}/deliveries/${foreign.deliveryId}`);
    expect(delivery.body).toMatchObject({ status: 'pending', attempts: 0 });
    const members = await call('GET', `${b}/members`);
    expect(members.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: foreign.userId, role: 'member' })]),
    );
  }, 60_000);

  it('never returns another workspace’s tasks or comments from search, not even in a snippet', async () => {
    const a = `/v1/workspaces/${workspaceA}/search`;
    await call('POST', `/v1/workspaces/${workspaceA}/tasks`, {
      projectId: ownProjectId,
      title: 'Own task, not secret at all',
    });
    for (const query of [
      'q=secret',
      'q=secret%20task',
      'q=SEC-1',
      'q=secre',
      `q=secret&projectId=${foreign.projectId}`,
    ]) {
      const answer = await call('GET', `${a}?${query}`);
      expect(answer.status).toBe(200);
      const hits = answer.body.data as { id: string; taskId: string; snippet: string; title: string }[];
      for (const hit of hits) {
        expect([hit.id, hit.taskId]).not.toContain(foreign.taskId);
        expect(hit.id).not.toBe(foreign.commentId);
        expect(hit.title).toBe('Own task, not secret at all');
      }
    }
    // The foreign workspace's own search holds both: the query did match something there.
    const inB = await call('GET', `/v1/workspaces/${workspaceB}/search?q=secret`);
    expect((inB.body.data as { id: string }[]).map((h) => h.id).sort()).toEqual(
      [foreign.taskId, foreign.commentId].sort(),
    );
  });
});
