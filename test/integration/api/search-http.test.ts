import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { deleteRedisKeys } from '../../support/test-redis.js';
import { callJson } from '../../support/json-call.js';

/** The search route over HTTP: what a client sees, from a write's 201 to hostile queries. */
describe('GET /v1/workspaces/{id}/search', () => {
  const prefix = `gwtest_search_${process.pid}_${Date.now()}`;
  let app: INestApplication;
  let url: string;
  let authorization: string;
  let ws: string;
  let projectId: string;

  const call = (method: string, path: string, body?: unknown) =>
    callJson(`${url}${path}`, method, { authorization, body });

  const search = (query: string) => call('GET', `/v1/workspaces/${ws}/search?${query}`);

  beforeAll(async () => {
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const prisma = app.get(PrismaService);
    const userId = newId();
    await prisma.user.create({
      data: { id: userId, email: `search-${userId}@example.test`, name: 'Searcher', emailVerifiedAt: new Date() },
    });
    const session = await app.get(SessionsService).open(userId, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    authorization = `Bearer ${session.tokens.accessToken}`;
    ws = String((await call('POST', '/v1/workspaces', { name: 'S', slug: `search-${userId.slice(-12)}` })).body.id);
    projectId = String((await call('POST', `/v1/workspaces/${ws}/projects`, { name: 'S', key: 'SRC' })).body.id);
  });

  afterAll(async () => {
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  it('finds a task and a comment in the request right after their 201s', async () => {
    const task = await call('POST', `/v1/workspaces/${ws}/tasks`, {
      projectId,
      title: 'Calibrate the <b>flux</b> capacitor',
      labels: ['hardware'],
    });
    expect(task.status).toBe(201);
    const comment = await call('POST', `/v1/workspaces/${ws}/tasks/${String(task.body.id)}/comments`, {
      body: 'The capacitor needs 1.21 gigawatts',
    });
    expect(comment.status).toBe(201);
    const answer = await search('q=capacit');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([
      expect.objectContaining({
        type: 'task',
        id: task.body.id,
        taskId: task.body.id,
        projectId,
        title: 'Calibrate the <b>flux</b> capacitor',
        snippet: 'Calibrate the &lt;b&gt;flux&lt;/b&gt; <mark>capacitor</mark>',
        score: expect.any(Number),
        updatedAt: expect.any(String),
      }),
      expect.objectContaining({ type: 'comment', id: comment.body.id, taskId: task.body.id }),
    ]);
    expect(answer.body.page).toEqual({ nextCursor: null, limit: 20 });
    expect((await search('q=capacit&limit=1&type=comment')).body.data).toEqual([
      expect.objectContaining({ id: comment.body.id }),
    ]);
  });

  it('answers 200 to any text of 1–200 characters, however hostile', async () => {
    for (const q of [
      "' OR 1=1 --",
      'a & b | !c <-> d:* (e',
      '"open quote',
      '😀'.repeat(200),
      'nul\u0000byte',
      '\u200F\u202Eשלום\u200E',
      '\\',
      ':*',
      '-',
    ]) {
      const answer = await search(`q=${encodeURIComponent(q)}`);
      expect({ q, status: answer.status }).toEqual({ q, status: 200 });
    }
  });

  it('answers 422 problems to an empty, blank or over-long q and to an unknown type', async () => {
    for (const query of ['q=', 'q=%20%20', `q=${'x'.repeat(201)}`, `q=${'😀'.repeat(201)}`, 'q=x&type=project', '']) {
      const answer = await search(query);
      expect({ query, status: answer.status }).toEqual({ query, status: 422 });
      expect(answer.type).toContain('application/problem+json');
    }
  });
});
