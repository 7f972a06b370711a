import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { loadAppConfig, newId, PrismaService } from '@groundwork/platform';
import {
  API_KEY_ROLES,
  ApiKeysService,
  type Permission,
  roleAllows,
  WORKSPACE_ROLES,
  type WorkspaceRole,
} from '@groundwork/workspaces';
import { ACCESS_DENIALS } from '../../../apps/api/src/http/auth/access.guard.js';
import { ACCESS_RULE, type AccessRule } from '../../../apps/api/src/http/auth/access-rules.js';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { type ApiRoute, apiRoutes, routeMetadata } from '../../support/route-table.js';
import { deleteRedisKeys } from '../../support/test-redis.js';

/**
 * The authorization matrix, generated rather than written: every route the api serves (read
 * from Nest's route metadata) × every kind of caller, with the expected answer derived from
 * the route's access rule and the role → permission table. A route added without an access
 * rule fails the first test; a permission change shows up as a changed expectation.
 */

interface Route extends ApiRoute {
  rule: AccessRule | undefined;
}

function routesOf(app: INestApplication): Route[] {
  return apiRoutes(app).map((route) => ({ ...route, rule: routeMetadata<AccessRule>(route, ACCESS_RULE) }));
}

type CallerName =
  | 'anonymous'
  | 'outsider'
  | 'platform admin'
  | 'foreign api key'
  | `${WorkspaceRole}`
  | `api key (${(typeof API_KEY_ROLES)[number]})`;

interface Caller {
  name: CallerName;
  authorization?: string;
  /** The role in the route's workspace; undefined for callers outside it. */
  role?: WorkspaceRole;
  isApiKey: boolean;
}

type Expectation =
  | { kind: 'denied'; status: 401 | 403 | 404; detail: string }
  /** The guards let the request through: whatever the handler answers, it is not a guard's denial. */
  | { kind: 'through' };

function expectationFor(rule: AccessRule, caller: Caller): Expectation {
  const unauthenticated = { kind: 'denied', status: 401, detail: ACCESS_DENIALS.unauthenticated } as const;
  switch (rule.kind) {
    case 'public':
      return { kind: 'through' };
    case 'user':
      if (caller.name === 'anonymous') return unauthenticated;
      return caller.isApiKey
        ? { kind: 'denied', status: 403, detail: ACCESS_DENIALS.apiKeyOnUserRoute }
        : { kind: 'through' };
    case 'platform_admin':
      if (caller.name === 'anonymous') return unauthenticated;
      if (caller.isApiKey) return { kind: 'denied', status: 403, detail: ACCESS_DENIALS.apiKeyOnUserRoute };
      return caller.name === 'platform admin'
        ? { kind: 'through' }
        : { kind: 'denied', status: 403, detail: ACCESS_DENIALS.notPlatformAdmin };
    case 'permission':
      if (caller.name === 'anonymous') return unauthenticated;
      if (caller.role === undefined) return { kind: 'denied', status: 404, detail: ACCESS_DENIALS.notVisible };
      return roleAllows(caller.role, rule.permission)
        ? { kind: 'through' }
        : { kind: 'denied', status: 403, detail: ACCESS_DENIALS.roleLacks(caller.role, rule.permission) };
    default: {
      const unreachable: never = rule;
      throw new Error(`unknown rule ${String(unreachable)}`);
    }
  }
}

/** What the guards would have said had they refused this caller on this route. */
function guardDenials(rule: AccessRule, caller: Caller): string[] {
  const denials = [
    ACCESS_DENIALS.unauthenticated,
    ACCESS_DENIALS.notVisible,
    ACCESS_DENIALS.apiKeyOnUserRoute,
    ACCESS_DENIALS.notPlatformAdmin,
  ];
  if (rule.kind === 'permission' && caller.role) denials.push(ACCESS_DENIALS.roleLacks(caller.role, rule.permission));
  return denials;
}

/** Ids for the other path parameters: well-formed, pointing at nothing. */
function concretePath(path: string, workspaceId: string): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => {
    if (name === 'workspaceId') return workspaceId;
    if (name === 'token') return 'x'.repeat(43);
    if (name === 'provider') return 'unknown-provider';
    return newId();
  });
}

describe('authorization matrix', () => {
  const prefix = `gwtest_authz_${process.pid}_${Date.now()}`;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaService;
  let routes: Route[];
  /**
   * Platform administrators are listed by email at boot, and a cast's callers may log out or
   * delete their account on the way: each cast gets an admin (and a listed but unverified
   * account) of its own from this many listed emails.
   */
  const adminSlots = 300;
  const listedEmail = (kind: 'admin' | 'unverified', slot: number) => `${kind}${slot}-${process.pid}@authz.test`;
  let castsMade = 0;

  beforeAll(async () => {
    // Own rate-limit counters: the matrix sends many requests from one address.
    const config = loadAppConfig('api', {
      ...process.env,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
      PLATFORM_ADMIN_EMAILS: Array.from({ length: adminSlots }, (_, slot) =>
        [listedEmail('admin', slot), listedEmail('unverified', slot)].join(','),
      ).join(','),
    });
    app = await createApiApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
    routes = routesOf(app);
  });

  afterAll(async () => {
    await app.close();
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `${prefix}:*`);
  });

  it('finds the routes of every module, and each declares an access rule', () => {
    expect(routes.length).toBeGreaterThan(10);
    const unruled = routes.filter((route) => route.rule === undefined).map((r) => `${r.method} ${r.path} (${r.name})`);
    expect(unruled).toEqual([]);
  });

  async function user(name: string, email?: string, verified = true): Promise<{ id: string; authorization: string }> {
    const id = newId();
    await prisma.user.create({
      data: { id, email: email ?? `${name}-${id}@authz.test`, name, emailVerifiedAt: verified ? new Date() : null },
    });
    const session = await app.get(SessionsService).open(id, { kind: 'bearer', method: 'password' });
    if (session.kind !== 'bearer') throw new Error('expected a bearer session');
    return { id, authorization: `Bearer ${session.tokens.accessToken}` };
  }

  async function workspace(members: { id: string; role: WorkspaceRole }[]): Promise<string> {
    const id = newId();
    await prisma.workspace.create({
      data: {
        id,
        name: 'Matrix',
        slug: `matrix-${id}`,
        memberships: { create: members.map((m) => ({ userId: m.id, role: m.role })) },
      },
    });
    return id;
  }

  /** A workspace with one person per role and one key per key role, plus an outsider with their own workspace. */
  async function cast(): Promise<{ workspaceId: string; callers: Caller[] }> {
    const people = await Promise.all(WORKSPACE_ROLES.map(async (role) => ({ role, ...(await user(role)) })));
    const outsider = await user('outsider');
    const slot = castsMade++;
    if (slot >= adminSlots) throw new Error('more casts than listed platform administrators: raise adminSlots');
    const platformAdmin = await user('platform-admin', listedEmail('admin', slot));
    const unverifiedAdmin = await user('unverified-admin', listedEmail('unverified', slot), false);
    const workspaceId = await workspace(people.map((p) => ({ id: p.id, role: p.role })));
    const otherWorkspaceId = await workspace([{ id: outsider.id, role: 'owner' }]);
    const owner = people.find((p) => p.role === 'owner');
    if (!owner) throw new Error('no owner');
    const keys = app.get(ApiKeysService);
    const apiKeys = await Promise.all(
      API_KEY_ROLES.map(async (role) => ({
        role,
        key: await keys.create(workspaceId, { userId: owner.id, role: 'owner' }, { name: `${role} key`, role }),
      })),
    );
    const foreignKey = await keys.create(
      otherWorkspaceId,
      { userId: outsider.id, role: 'owner' },
      { name: 'x', role: 'admin' },
    );
    // Least privileged first, the owner last: an allowed destructive call cannot spoil the others.
    return {
      workspaceId,
      callers: [
        { name: 'anonymous', isApiKey: false },
        { name: 'outsider', authorization: outsider.authorization, isApiKey: false },
        // An unverified listed email is refused exactly like an outsider.
        { name: 'outsider', authorization: unverifiedAdmin.authorization, isApiKey: false },
        { name: 'platform admin', authorization: platformAdmin.authorization, isApiKey: false },
        { name: 'foreign api key', authorization: `Bearer ${foreignKey.secret}`, isApiKey: true },
        ...people
          .filter((p) => p.role !== 'owner')
          .reverse()
          .map((p) => ({ name: p.role, authorization: p.authorization, role: p.role, isApiKey: false })),
        ...apiKeys.map(({ role, key }) => ({
          name: `api key (${role})` as const,
          authorization: `Bearer ${key.secret}`,
          role,
          isApiKey: true,
        })),
        { name: 'owner', authorization: owner.authorization, role: 'owner', isApiKey: false },
      ],
    };
  }

  it('answers every route for every caller as the rule and the permission table say', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of routes) {
      if (!route.rule) continue;
      const { workspaceId, callers } = await cast();
      // Public routes are called once, anonymously: their own rate limits are not this test's subject.
      const relevant = route.rule.kind === 'public' ? callers.filter((c) => c.name === 'anonymous') : callers;
      for (const caller of relevant) {
        const expected = expectationFor(route.rule, caller);
        const response = await fetch(`${url}${concretePath(route.path, workspaceId)}`, {
          method: route.method,
          headers: {
            ...(caller.authorization ? { authorization: caller.authorization } : {}),
            // An empty body fails validation after the guards: an allowed create changes nothing.
            ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { 'content-type': 'application/json' } : {}),
          },
          body: ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        });
        const isProblem = (response.headers.get('content-type') ?? '').startsWith('application/problem+json');
        const detail = isProblem ? ((await response.json()) as { detail?: string }).detail : undefined;
        if (!isProblem) await response.body?.cancel();
        checked += 1;
        const where = `${route.method} ${route.path} as ${caller.name}`;
        if (response.status >= 500) {
          mismatches.push(`${where}: ${response.status} ${detail ?? ''}`);
        } else if (expected.kind === 'denied') {
          if (response.status !== expected.status || detail !== expected.detail) {
            mismatches.push(
              `${where}: expected ${expected.status} "${expected.detail}", got ${response.status} "${detail}"`,
            );
          }
        } else if (guardDenials(route.rule, caller).includes(detail ?? '')) {
          mismatches.push(`${where}: expected the guards to let it through, got ${response.status} "${detail}"`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(routes.length);
  }, 120_000);

  it('derives its expectations from the permission table (a spot check of the table itself)', () => {
    const allows = (role: WorkspaceRole, permission: Permission) => roleAllows(role, permission);
    expect(allows('viewer', 'tasks:read')).toBe(true);
    expect(allows('viewer', 'tasks:write')).toBe(false);
    expect(allows('member', 'members:manage')).toBe(false);
    expect(allows('admin', 'api_keys:manage')).toBe(true);
    expect(allows('admin', 'workspace:delete')).toBe(false);
    expect(allows('owner', 'workspace:transfer')).toBe(true);
  });
});
