import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import {
  createGroundworkClient,
  deleteFlag,
  getWorkspaceFlags,
  listAdminAuditLog,
  listFlags,
  putFlag,
} from '@groundwork/api-client';
import { FeatureDisabledError, FeatureFlags, FlagCatalogue } from '@groundwork/flags';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, MetricsService, newId, PrismaService } from '@groundwork/platform';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { deleteRedisKeys } from '../../support/test-redis.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { eventually } from '../../support/wait.js';
import { callJson } from '../../support/json-call.js';

/**
 * Feature flags end to end through the api, on real PostgreSQL and Redis: the admin routes and
 * their validation, the audit log, the evaluation order as members see it, propagation between
 * two api instances (their periodic reload is an hour away, so only the Redis notice can carry
 * a change), and the built-in defaults while flag storage is unreachable.
 */

describe('feature flags', () => {
  const prefix = `gwtest_flags_${process.pid}_${Date.now()}`;
  const adminEmail = `flags-admin-${prefix}@flags.test`;
  const apps: INestApplication[] = [];
  let first: { app: INestApplication; url: string };
  let second: { app: INestApplication; url: string };
  let prisma: PrismaService;
  let admin: string;
  let member: string;
  let workspaceId: string;
  const otherWorkspaceId = newId();
  /** Keys this file creates: unique per run, the table is shared with other test files. */
  const key = (name: string) => `t${process.pid}.${name}`;

  async function start(env: Record<string, string> = {}): Promise<{ app: INestApplication; url: string }> {
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
      PLATFORM_ADMIN_EMAILS: adminEmail,
      FLAGS_REFRESH_INTERVAL_MS: '3600000',
      ...env,
    });
    const app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  }

  const call = (base: string, method: string, path: string, authorization?: string, body?: unknown) =>
    callJson(`${base}${path}`, method, { authorization, body });

  async function person(email: string): Promise<{ id: string; authorization: string }> {
    const id = newId();
    await prisma.user.create({ data: { id, email, name: 'Flags', emailVerifiedAt: new Date() } });
    const session = await first.app.get(SessionsService).open(id, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return { id, authorization: `Bearer ${session.tokens.accessToken}` };
  }

  const flagsOf = async (base: string, workspace = workspaceId) =>
    (await call(base, 'GET', `/v1/workspaces/${workspace}/flags`, member)).body.flags as Record<string, unknown>;

  beforeAll(async () => {
    first = await start();
    second = await start();
    prisma = first.app.get(PrismaService);
    admin = (await person(adminEmail)).authorization;
    const memberPerson = await person(`flags-member-${prefix}@flags.test`);
    member = memberPerson.authorization;
    workspaceId = newId();
    await prisma.workspace.create({
      data: {
        id: workspaceId,
        name: 'Flags',
        slug: `flags-${workspaceId}`,
        memberships: { create: [{ userId: memberPerson.id, role: 'viewer' }] },
      },
    });
  });

  afterAll(async () => {
    await prisma?.featureFlag.deleteMany({ where: { key: { startsWith: `t${process.pid}.` } } });
    for (const app of apps) await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  it('admits platform administrators only: anonymous 401, a member 403', async () => {
    expect((await call(first.url, 'GET', '/v1/admin/flags')).status).toBe(401);
    const refused = await call(first.url, 'GET', '/v1/admin/flags', member);
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    expect((await call(first.url, 'PUT', `/v1/admin/flags/${key('x')}`, member, { enabled: true })).status).toBe(403);
    expect((await call(first.url, 'GET', '/v1/admin/audit-log', member)).status).toBe(403);
  });

  it('lists the built-in flags with their defaults and descriptions', async () => {
    const { status, body } = await call(first.url, 'GET', '/v1/admin/flags', admin);
    expect(status).toBe(200);
    const data = body.data as Record<string, unknown>[];
    for (const builtIn of ['attachments', 'search']) {
      expect(data.find((flag) => flag.key === builtIn)).toMatchObject({
        key: builtIn,
        enabled: true,
        builtIn: true,
        rolloutPercent: null,
        description: expect.any(String),
      });
    }
  });

  it.each([
    ['an unknown field', key('a'), { enabled: true, colour: 'red' }],
    ['a key that breaks the pattern', 'Bad Key', { enabled: true }],
    ['a percentage over 100', key('a'), { enabled: true, rolloutPercent: 101 }],
    ['a negative percentage', key('a'), { enabled: true, rolloutPercent: -1 }],
    ['more than 1,000 workspaces', key('a'), { enabled: true, workspaceIds: Array.from({ length: 1001 }, newId) }],
    [
      'more than 20 variants',
      key('a'),
      {
        enabled: true,
        variants: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`v${i}`, 'x'])),
        defaultVariant: 'v0',
      },
    ],
    ['a defaultVariant naming no variant', key('a'), { enabled: true, variants: { a: 'A' }, defaultVariant: 'b' }],
    ['no enabled', key('a'), {}],
  ])('refuses %s with 422', async (_label, flagKey, body) => {
    const answer = await call(first.url, 'PUT', `/v1/admin/flags/${encodeURIComponent(flagKey)}`, admin, body);
    expect(answer.status).toBe(422);
    expect(answer.type).toContain('application/problem+json');
    expect((answer.body.errors as unknown[]).length).toBeGreaterThan(0);
  });

  it('evaluates for each workspace in the contract order, on every instance', async () => {
    const percentKey = key('listed');
    const put = await call(first.url, 'PUT', `/v1/admin/flags/${percentKey}`, admin, {
      description: 'Listed workspaces only',
      enabled: false,
      workspaceIds: [workspaceId],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: percentKey, enabled: false, workspaceIds: [workspaceId], builtIn: false });
    expect(put.body.updatedAt).toEqual(expect.any(String));
    expect(put.body.updatedBy).toEqual(expect.any(String));

    // The second instance hears of it through Redis: its periodic reload is an hour away.
    await eventually(async () => (await flagsOf(second.url))[percentKey] === true);
    expect((await flagsOf(first.url))[percentKey]).toBe(true);
    const flags = second.app.get(FeatureFlags);
    expect(await flags.booleanValue(percentKey, true, { workspaceId: otherWorkspaceId })).toBe(false);

    // Enabled with no rollout limit: on for everyone.
    await call(first.url, 'PUT', `/v1/admin/flags/${percentKey}`, admin, { enabled: true });
    await eventually(async () => flags.booleanValue(percentKey, false, { workspaceId: otherWorkspaceId }));

    // A rollout at 0 %: only the listed workspace; at 100 %: everyone.
    await call(first.url, 'PUT', `/v1/admin/flags/${percentKey}`, admin, {
      enabled: true,
      rolloutPercent: 0,
      workspaceIds: [workspaceId],
    });
    await eventually(async () => !(await flags.booleanValue(percentKey, true, { workspaceId: otherWorkspaceId })));
    expect(await flags.booleanValue(percentKey, false, { workspaceId })).toBe(true);
  });

  it('answers a variant flag’s value when on and null when off', async () => {
    const variantKey = key('density');
    await call(first.url, 'PUT', `/v1/admin/flags/${variantKey}`, admin, {
      enabled: true,
      variants: { compact: 'compact', comfortable: 'comfortable' },
      defaultVariant: 'compact',
    });
    await eventually(async () => (await flagsOf(second.url))[variantKey] === 'compact');
    await call(first.url, 'PUT', `/v1/admin/flags/${variantKey}`, admin, {
      enabled: false,
      variants: { compact: 'compact' },
      defaultVariant: 'compact',
    });
    await eventually(async () => (await flagsOf(second.url))[variantKey] === null);
    expect(await second.app.get(FeatureFlags).stringValue(variantKey, 'fallback', { workspaceId })).toBe('fallback');
  });

  it('gates a feature: FeatureDisabledError (403 feature-disabled) while a built-in flag is off, its default after DELETE', async () => {
    const flags = second.app.get(FeatureFlags);
    await expect(flags.assertEnabled('search', { workspaceId })).resolves.toBeUndefined();
    await call(first.url, 'PUT', '/v1/admin/flags/search', admin, { enabled: false, workspaceIds: [otherWorkspaceId] });
    await eventually(async () => !(await flags.isEnabled('search', { workspaceId })));
    const refusal = await flags.assertEnabled('search', { workspaceId }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(FeatureDisabledError);
    expect(refusal).toMatchObject({ code: 'feature_disabled', flag: 'search', extensions: { flag: 'search' } });
    expect(await flags.isEnabled('search', { workspaceId: otherWorkspaceId })).toBe(true);

    expect((await call(first.url, 'DELETE', '/v1/admin/flags/search', admin)).status).toBe(204);
    await eventually(async () => flags.isEnabled('search', { workspaceId }));
    const listed = (await call(first.url, 'GET', '/v1/admin/flags', admin)).body.data as Record<string, unknown>[];
    expect(listed.find((flag) => flag.key === 'search')).toMatchObject({ enabled: true, updatedAt: null });
    // Already at its default: nothing to delete, still 204.
    expect((await call(first.url, 'DELETE', '/v1/admin/flags/search', admin)).status).toBe(204);
  });

  it('deletes a flag of its own making on every instance; an unknown one is 404', async () => {
    const doomed = key('doomed');
    await call(first.url, 'PUT', `/v1/admin/flags/${doomed}`, admin, { enabled: true });
    await eventually(async () => (await flagsOf(second.url))[doomed] === true);
    expect((await call(first.url, 'DELETE', `/v1/admin/flags/${doomed}`, admin)).status).toBe(204);
    await eventually(async () => !(doomed in (await flagsOf(second.url))));
    expect((await call(first.url, 'DELETE', `/v1/admin/flags/${doomed}`, admin)).status).toBe(404);
  });

  it('answers the code default for a flag nobody declared', async () => {
    const flags = first.app.get(FeatureFlags);
    expect(await flags.booleanValue('never.declared', true, { workspaceId })).toBe(true);
    expect(await flags.booleanValue('never.declared', false, { workspaceId })).toBe(false);
    expect(await flags.stringValue('never.declared', 'code default', { workspaceId })).toBe('code default');
  });

  it('writes every change to the admin audit log, cursor-paginated', async () => {
    const first2 = await call(first.url, 'GET', '/v1/admin/audit-log?limit=2', admin);
    expect(first2.status).toBe(200);
    const data = first2.body.data as { action: string; details: Record<string, unknown>; actorId: string }[];
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ action: 'flag.deleted' });
    const page = first2.body.page as { nextCursor: string | null; limit: number };
    expect(page.limit).toBe(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await call(first.url, 'GET', `/v1/admin/audit-log?limit=100&cursor=${page.nextCursor}`, admin);
    const rest = next.body.data as { action: string; details: Record<string, unknown> }[];
    const mine = [...data, ...rest].filter((entry) => String(entry.details.flag).startsWith(`t${process.pid}.`));
    expect(mine.map((entry) => entry.action)).toContain('flag.updated');
    expect(mine.find((entry) => entry.details.flag === key('listed'))).toMatchObject({
      details: { flag: key('listed'), enabled: true, rolloutPercent: 0, workspaces: 1 },
    });
    const malformed = await call(first.url, 'GET', '/v1/admin/audit-log?cursor=nonsense', admin);
    expect(malformed.status).toBe(400);
  });

  it('is reachable through the generated client', async () => {
    const token = admin.replace(/^Bearer /, '');
    const client = createGroundworkClient({ baseUrl: first.url, token });
    const clientKey = key('client');
    const put = await putFlag({
      client,
      path: { key: clientKey },
      body: { enabled: true, variants: { a: 'alpha' }, defaultVariant: 'a' },
    });
    expect(put.response?.status).toBe(200);
    expect(put.data).toMatchObject({ key: clientKey, variants: { a: 'alpha' }, defaultVariant: 'a' });
    expect((await listFlags({ client })).data?.data.map((flag) => flag.key)).toContain(clientKey);
    const memberClient = createGroundworkClient({ baseUrl: second.url, token: member.replace(/^Bearer /, '') });
    await eventually(async () => {
      const { data } = await getWorkspaceFlags({ client: memberClient, path: { workspaceId } });
      return data?.flags[clientKey] === 'alpha';
    });
    const audit = await listAdminAuditLog({ client, query: { limit: 1 } });
    expect(audit.data?.data[0]).toMatchObject({ action: 'flag.updated', details: { flag: clientKey } });
    expect((await deleteFlag({ client, path: { key: clientKey } })).response?.status).toBe(204);
  });

  it('answers repeated evaluations alike until the catalogue changes, counting every one', async () => {
    const repeatedKey = key('repeated');
    await call(first.url, 'PUT', `/v1/admin/flags/${repeatedKey}`, admin, { enabled: true });
    const flags = first.app.get(FeatureFlags);
    const counted = async (result: string) => {
      const metrics = await first.app.get(MetricsService).render();
      const line = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('feature_flag_evaluations_total{') &&
            l.includes(`flag="${repeatedKey}"`) &&
            l.includes(`result="${result}"`),
        );
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    for (let i = 0; i < 5; i += 1) expect(await flags.booleanValue(repeatedKey, false, { workspaceId })).toBe(true);
    expect(await counted('on')).toBe(5);

    // The writer reloads its own write before answering: the very next evaluation sees it.
    await call(first.url, 'PUT', `/v1/admin/flags/${repeatedKey}`, admin, { enabled: false });
    for (let i = 0; i < 3; i += 1) expect(await flags.booleanValue(repeatedKey, true, { workspaceId })).toBe(false);
    expect(await counted('off')).toBe(3);
    expect(await counted('on')).toBe(5);
  });

  it('counts evaluations by flag and result, with no ids in the labels', async () => {
    const metrics = await first.app.get(MetricsService).render();
    const lines = metrics.split('\n').filter((line) => line.startsWith('feature_flag_evaluations_total{'));
    expect(lines.some((line) => line.includes(`flag="${key('listed')}"`) && line.includes('result="on"'))).toBe(true);
    expect(lines.some((line) => line.includes('flag="never.declared"') && line.includes('result="default"'))).toBe(
      true,
    );
    expect(lines.filter((line) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(line))).toEqual([]);
  });

  it('answers the built-in defaults while flag storage is unreachable, never an error, and recovers', async () => {
    const database = new URL(process.env.DATABASE_URL ?? '');
    const proxy = await TcpProxy.create(Number(database.port || 5432));
    try {
      database.host = `127.0.0.1:${proxy.port}`;
      const third = await start({ DATABASE_URL: database.toString() });
      await call(first.url, 'PUT', '/v1/admin/flags/attachments', admin, { enabled: false });
      const flags = third.app.get(FeatureFlags);
      const catalogue = third.app.get(FlagCatalogue);
      await eventually(async () => !(await flags.isEnabled('attachments', { workspaceId })));

      await proxy.close();
      await catalogue.reload();
      expect(catalogue.source).toBe('built-in defaults');
      expect(await flags.isEnabled('attachments', { workspaceId })).toBe(true);
      expect(await flags.evaluateAll({ workspaceId })).toMatchObject({ attachments: true, search: true });

      await proxy.open();
      await catalogue.reload();
      expect(catalogue.source).toBe('storage');
      expect(await flags.isEnabled('attachments', { workspaceId })).toBe(false);
    } finally {
      await call(first.url, 'DELETE', '/v1/admin/flags/attachments', admin);
      await proxy.close();
    }
  });
});
