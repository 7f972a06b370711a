import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService, RedisService } from '@groundwork/platform';
import { RealtimeHub } from '@groundwork/realtime';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { SseClient, SseRefused } from '../../support/sse-client.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { eventually, within } from '../../support/wait.js';
import { WsClient } from '../../support/ws-client.js';

type Json = Record<string, unknown>;

interface Api {
  app: INestApplication;
  url: string;
  ws: string;
}

const ALLOWED_ORIGIN = 'https://app.example.test';
/** Small enough to reach in a test; the default (20) is a config default like any other. */
const MAX_CONNECTIONS = 5;
/** The general per-caller quota, which a principal's upgrades count against. */
const PER_MINUTE = 60;

async function startApi(env: Record<string, string> = {}): Promise<Api> {
  const app = await createApiApp(
    loadAppConfig('api', {
      ...process.env,
      LOG_LEVEL: 'error',
      TRUST_PROXY: 'loopback',
      CORS_ORIGINS: ALLOWED_ORIGIN,
      REALTIME_SESSION_CHECK_MS: '1000',
      REALTIME_MAX_CONNECTIONS_PER_PRINCIPAL: String(MAX_CONNECTIONS),
      RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:rt-abuse-${newId().slice(-8)}`,
      ...env,
    }),
  );
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
  return { app, url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/v1/ws` };
}

/** A distinct client address per call (the api trusts loopback's X-Forwarded-For here). */
let addressSeq = 0;
const nextAddress = () => `198.51.100.${(addressSeq++ % 250) + 1}`;

/**
 * Abuse of the real-time edge (api in process, real PostgreSQL and Redis): message floods and
 * foreign subscriptions on a socket, upgrade floods, connection caps and browser origins, and
 * connections outliving the credential or membership they were opened with.
 */
describe('real-time edge under abuse', () => {
  let api: Api;
  let prisma: PrismaService;

  async function call(base: Api, method: string, path: string, token?: string, body?: unknown): Promise<Response> {
    return fetch(`${base.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        'x-forwarded-for': nextAddress(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function person(base: Api = api): Promise<{ id: string; token: string }> {
    const id = newId();
    await base.app.get(PrismaService).user.create({
      data: { id, email: `rt-abuse-${id}@example.test`, name: 'Rt', emailVerifiedAt: new Date() },
    });
    const session = await base.app.get(SessionsService).open(id, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return { id, token: session.tokens.accessToken };
  }

  async function workspaceOf(token: string, base: Api = api): Promise<string> {
    const created = await call(base, 'POST', '/v1/workspaces', token, {
      name: 'Realtime abuse',
      slug: `rt-abuse-${newId().slice(-12)}`,
    });
    expect(created.status).toBe(201);
    return String(((await created.json()) as Json).id);
  }

  async function apiKey(workspaceId: string, token: string, expiresAt?: Date, base: Api = api) {
    const created = await call(base, 'POST', `/v1/workspaces/${workspaceId}/api-keys`, token, {
      name: 'stream reader',
      role: 'viewer',
      ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as Json;
    return { id: String(body.id), secret: String(body.secret) };
  }

  const socket = (base: Api, credential: string, headers: Record<string, string> = {}) =>
    WsClient.connect(base.ws, {
      protocols: ['bearer', credential],
      headers: { 'x-forwarded-for': nextAddress(), ...headers },
    });

  const stream = (base: Api, workspaceId: string, credential: string) =>
    SseClient.open(`${base.url}/v1/workspaces/${workspaceId}/events`, {
      headers: { authorization: `Bearer ${credential}`, 'x-forwarded-for': nextAddress() },
    });

  beforeAll(async () => {
    api = await startApi();
    prisma = api.app.get(PrismaService);
  });

  afterAll(async () => {
    await api.app.close();
  });

  describe('messages on one socket', () => {
    it('counts a subscribe to a workspace the caller does not belong to as invalid: the 10th in a minute closes with 1008', async () => {
      const eve = await person();
      const client = await socket(api, eve.token);
      for (let i = 0; i < 9; i += 1) {
        const reply = await client.request({ type: 'subscribe', workspaceId: newId() }, 'subscribed');
        expect(reply).toMatchObject({ type: 'error', code: 'not_found' });
      }
      expect(client.isOpen).toBe(true);
      client.send({ type: 'subscribe', workspaceId: newId() });
      expect((await client.waitForClose()).code).toBe(1008);
    });

    it('takes 40 messages at once, refuses what comes faster than 20 a second, and closes after 10 refusals', async () => {
      const ada = await person();
      const workspaceId = await workspaceOf(ada.token);
      const client = await socket(api, ada.token);
      for (let i = 0; i < 40; i += 1) client.send({ type: 'subscribe', workspaceId });
      await eventually(async () => client.messages.filter((m) => m.type === 'subscribed').length === 40, 10_000, 20);
      expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);

      // Valid messages only: their rate alone is what is refused.
      const from = client.messages.length;
      for (let i = 0; i < 100; i += 1) client.send({ type: 'subscribe', workspaceId });
      expect((await client.waitForClose()).code).toBe(1008);
      const refused = client.messages.slice(from).filter((m) => m.type === 'error');
      expect(refused).toHaveLength(10);
      expect(refused.every((m) => m.code === 'rate_limited')).toBe(true);
    });

    it('writes no Redis key and remembers nothing for a workspace the caller does not belong to', async () => {
      const owner = await person();
      const foreign = await workspaceOf(owner.token);
      const stranger = newId();
      const eve = await person();
      const client = await socket(api, eve.token);
      for (const workspaceId of [foreign, stranger]) {
        expect(await client.request({ type: 'subscribe', workspaceId }, 'subscribed')).toMatchObject({
          code: 'not_found',
        });
      }
      client.close();
      const redis = api.app.get(RedisService);
      const keys = await redis.client.keys(`*${stranger}*`);
      expect(keys).toEqual([]);
      // The foreign workspace is its owner's: whatever exists under its id, Eve's subscribe added nothing.
      const before = await redis.client.keys(`*${foreign}*`);
      const again = await socket(api, eve.token);
      await again.request({ type: 'subscribe', workspaceId: foreign }, 'subscribed');
      again.close();
      expect(await redis.client.keys(`*${foreign}*`)).toEqual(before);
    });

    it('leaves no Redis key without an expiry after a burst of real-time and cached traffic', async () => {
      const ada = await person();
      const eve = await person();
      const workspaceId = await workspaceOf(ada.token);
      const project = await call(api, 'POST', `/v1/workspaces/${workspaceId}/projects`, ada.token, {
        name: 'Burst',
        key: 'BRS',
      });
      const projectId = String(((await project.json()) as Json).id);
      const task = await call(api, 'POST', `/v1/workspaces/${workspaceId}/tasks`, ada.token, { projectId, title: 'x' });
      const taskId = String(((await task.json()) as Json).id);
      const ticket = await call(api, 'POST', '/v1/ws/ticket', ada.token);
      expect(ticket.status).toBe(201);
      await call(api, 'POST', '/v1/ws/ticket', eve.token);
      for (let i = 0; i < 5; i += 1) {
        await call(api, 'GET', `/v1/workspaces/${workspaceId}/tasks/${taskId}`, ada.token);
        await call(api, 'GET', `/v1/workspaces/${workspaceId}/tasks`, ada.token);
        await call(api, 'GET', `/v1/workspaces/${newId()}/tasks`, eve.token);
      }
      const client = await socket(api, eve.token);
      for (let i = 0; i < 5; i += 1) await client.request({ type: 'subscribe', workspaceId: newId() }, 'subscribed');
      const sse = await stream(api, workspaceId, ada.token);
      await expect(stream(api, workspaceId, eve.token)).rejects.toBeInstanceOf(SseRefused);
      client.close();
      sse.close();

      const redis = api.app.get(RedisService).client;
      const prefix = api.app.get(RedisService).keyPrefix;
      const forever: string[] = [];
      let cursor = '0';
      do {
        // The connection prefixes commands' keys, not SCAN's pattern.
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          if ((await redis.pttl(key.slice(prefix.length))) === -1) forever.push(key);
        }
      } while (cursor !== '0');
      expect(forever).toEqual([]);
    });
  });

  describe('upgrades', () => {
    it('refuses a browser upgrade from an origin outside CORS_ORIGINS with 403, before the handshake', async () => {
      const ada = await person();
      const refused = await WsClient.refusal(api.ws, {
        protocols: ['bearer', ada.token],
        headers: { origin: 'https://evil.example', 'x-forwarded-for': nextAddress() },
      });
      expect(refused.status).toBe(403);
      expect(refused.contentType).toContain('application/problem+json');
      (await socket(api, ada.token, { origin: ALLOWED_ORIGIN })).close();
      // Not a browser: no Origin, nothing to check.
      (await socket(api, ada.token)).close();
    });

    it('answers 429 before the handshake once one address sent 60 upgrades without valid credentials in a minute', async () => {
      const address = '203.0.113.77';
      for (let i = 0; i < 60; i += 1) {
        const refused = await WsClient.refusal(`${api.ws}?ticket=not-a-ticket-${i}`, {
          headers: { 'x-forwarded-for': address },
        });
        expect(refused.status).toBe(401);
      }
      const limited = await WsClient.refusal(`${api.ws}?ticket=again`, { headers: { 'x-forwarded-for': address } });
      expect(limited.status).toBe(429);
      // Another address is not affected.
      const other = await WsClient.refusal(`${api.ws}?ticket=again`, { headers: { 'x-forwarded-for': nextAddress() } });
      expect(other.status).toBe(401);
    });

    it('counts a principal’s upgrades against its request quota, from any address: over it, 429 before the handshake', async () => {
      const ada = await person();
      for (let i = 0; i < PER_MINUTE; i += 1) {
        const client = await socket(api, ada.token);
        client.close();
        await client.waitForClose();
      }
      const limited = await WsClient.refusal(api.ws, {
        protocols: ['bearer', ada.token],
        headers: { 'x-forwarded-for': nextAddress() },
      });
      expect(limited.status).toBe(429);
    });

    it('caps the open real-time connections of one principal, SSE and WebSocket together, and frees a slot on close', async () => {
      const ada = await person();
      const workspaceId = await workspaceOf(ada.token);
      const open: { close(): void }[] = [];
      for (let i = 0; i < MAX_CONNECTIONS; i += 1) {
        open.push(i % 2 === 0 ? await socket(api, ada.token) : await stream(api, workspaceId, ada.token));
      }
      const refused = await WsClient.refusal(api.ws, {
        protocols: ['bearer', ada.token],
        headers: { 'x-forwarded-for': nextAddress() },
      });
      expect(refused.status).toBe(429);
      await expect(stream(api, workspaceId, ada.token)).rejects.toMatchObject({ status: 429 });

      const first = open.shift() as WsClient;
      first.close();
      await first.waitForClose();
      const again = await eventually(() => socket(api, ada.token).catch(() => undefined));
      again.close();
      for (const connection of open) connection.close();
    });
  });

  describe('open connections are re-checked', () => {
    it('closes an API key’s WebSocket and SSE stream within 10 s of the key being revoked', async () => {
      const owner = await person();
      const workspaceId = await workspaceOf(owner.token);
      const key = await apiKey(workspaceId, owner.token);
      const client = await socket(api, key.secret);
      expect(await client.request({ type: 'subscribe', workspaceId }, 'subscribed')).toMatchObject({
        type: 'subscribed',
      });
      const sse = await stream(api, workspaceId, key.secret);

      // Straight in the database: no event announces it, as when the api that revoked it lost its message.
      await prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
      expect((await client.waitForClose(10_000)).code).toBe(1008);
      await within(sse.ended, 10_000, 'the SSE stream of a revoked key stayed open');
    });

    it('closes an API key’s connections within 10 s of the key expiring', async () => {
      const owner = await person();
      const workspaceId = await workspaceOf(owner.token);
      const key = await apiKey(workspaceId, owner.token, new Date(Date.now() + 3_000));
      const client = await socket(api, key.secret);
      const sse = await stream(api, workspaceId, key.secret);
      expect((await client.waitForClose(13_000)).code).toBe(1008);
      await within(sse.ended, 10_000, 'the SSE stream of an expired key stayed open');
    });

    it('ends a removed member’s subscriptions and streams within 10 s though no event tells the api', async () => {
      const owner = await person();
      const member = await person();
      const workspaceId = await workspaceOf(owner.token);
      await prisma.membership.create({ data: { workspaceId, userId: member.id, role: 'member' } });
      const client = await socket(api, member.token);
      expect(await client.request({ type: 'subscribe', workspaceId }, 'subscribed')).toMatchObject({
        type: 'subscribed',
      });
      const sse = await stream(api, workspaceId, member.token);
      // Through the route: the outbox row is written, but no worker relays it in this test.
      expect(
        (await call(api, 'DELETE', `/v1/workspaces/${workspaceId}/members/${member.id}`, owner.token)).status,
      ).toBe(204);
      await client.waitFor((m) => m.type === 'unsubscribed' && m.reason === 'membership_ended', 10_000);
      await within(sse.ended, 10_000, 'the removed member’s SSE stream stayed open');
      expect(sse.messages.at(-1)).toMatchObject({ event: 'revoked' });
      client.close();
    });

    it('keeps connections through one failed check and closes them after 3 failed checks in a row (database cut)', async () => {
      const database = new URL(process.env.DATABASE_URL ?? '');
      const proxy = await TcpProxy.create(Number(database.port || 5432));
      database.host = `127.0.0.1:${proxy.port}`;
      const cut = await startApi({ DATABASE_URL: database.toString() });
      try {
        const owner = await person(cut);
        const workspaceId = await workspaceOf(owner.token, cut);
        const key = await apiKey(workspaceId, owner.token, undefined, cut);
        const keySocket = await socket(cut, key.secret);
        const userSocket = await socket(cut, owner.token);
        const sse = await stream(cut, workspaceId, key.secret);
        const hub = cut.app.get(RealtimeHub);

        await proxy.close();
        await eventually(async () => hub.stats().failingConnections > 0, 5_000, 20);
        await proxy.open();
        await eventually(async () => hub.stats().failingConnections === 0, 10_000, 20);
        expect(keySocket.isOpen && userSocket.isOpen && !sse.closed).toBe(true);

        await proxy.close();
        expect((await keySocket.waitForClose(10_000)).code).toBe(1013);
        expect((await userSocket.waitForClose(10_000)).code).toBe(1013);
        await within(sse.ended, 10_000, 'the SSE stream outlived 3 failed checks');
      } finally {
        await proxy.open();
        await cut.app.close();
        await proxy.close();
      }
    });
  });
});
