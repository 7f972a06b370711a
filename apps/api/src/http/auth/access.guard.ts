import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type CacheVersions, DomainError, RequestContext } from '@groundwork/platform';
import { PlatformAdmins } from '@groundwork/identity';
import {
  ADMINISTRATION_PERMISSIONS,
  API_KEY_ADMINISTRATION_DENIAL,
  type Permission,
  roleAllows,
  WorkspaceAccess,
  type WorkspaceRole,
} from '@groundwork/workspaces';
import { RequestCacheVersions } from '../cache/request-cache-versions.js';
import { RouteMemo } from '../route-memo.js';
import { ACCESS_RULE, type AccessRule } from './access-rules.js';
import type { Principal } from './principal.js';
import { requestAuth } from './request-auth.js';
import { setWorkspaceAccess } from './workspace-access.context.js';

interface HttpRequest {
  params?: Record<string, string | undefined>;
}

/** The guard's own answers, exported so the authorization matrix can tell them from a handler's. */
export const ACCESS_DENIALS = {
  unauthenticated: 'Authentication is required.',
  notVisible: 'The workspace does not exist or you are not a member of it.',
  apiKeyOnUserRoute: 'This route is for people, not API keys.',
  apiKeyAdministers: API_KEY_ADMINISTRATION_DENIAL,
  notPlatformAdmin: 'This route is for platform administrators.',
  roleLacks: (role: WorkspaceRole, permission: Permission) => `Your role (${role}) does not allow ${permission}.`,
};

const notFound = () => new DomainError('not_found', ACCESS_DENIALS.notVisible);

/**
 * The last guard: applies the route's access rule. Unauthenticated → 401; a workspace the
 * caller does not belong to → 404 (its existence is not revealed); a role without the
 * permission, or an API key on an administration route → 403; anyone but a platform
 * administrator on the platform's routes → 403. The caller's membership is resolved once here and kept on the request;
 * its version check goes through the request's loader of cache versions, which a cached read
 * of the same request shares.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly rules: RouteMemo<AccessRule | undefined>;

  constructor(
    reflector: Reflector,
    private readonly workspaces: WorkspaceAccess,
    private readonly versions: RequestCacheVersions,
    private readonly platformAdmins: PlatformAdmins,
  ) {
    this.rules = new RouteMemo((handler, controller) =>
      reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, controller]),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.rules.of(context.getClass(), context.getHandler());
    if (!rule) {
      // Deny by default: a route someone forgot to annotate is a bug, never an open door.
      throw new Error(`route ${context.getClass().name}.${context.getHandler().name} declares no access rule`);
    }
    if (rule.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const { principal, failure } = requestAuth(request);
    if (failure) throw failure;
    if (!principal) throw new DomainError('unauthenticated', ACCESS_DENIALS.unauthenticated);
    switch (rule.kind) {
      case 'user':
        if (principal.kind !== 'user') throw new DomainError('forbidden', ACCESS_DENIALS.apiKeyOnUserRoute);
        return true;
      case 'platform_admin':
        if (principal.kind !== 'user') throw new DomainError('forbidden', ACCESS_DENIALS.apiKeyOnUserRoute);
        if (!(await this.platformAdmins.isPlatformAdmin(principal.userId))) {
          throw new DomainError('forbidden', ACCESS_DENIALS.notPlatformAdmin);
        }
        return true;
      case 'permission':
        await this.authorize(request, principal, rule.permission, this.versions.of(context));
        return true;
      default: {
        const unreachable: never = rule;
        throw new Error(`unknown access rule ${String(unreachable)}`);
      }
    }
  }

  private async authorize(
    request: HttpRequest,
    principal: Principal,
    permission: Permission,
    versions: CacheVersions,
  ): Promise<void> {
    const workspaceId = request.params?.workspaceId;
    if (!workspaceId) throw new Error(`a ${permission} route has no :workspaceId parameter`);
    const role = await this.roleOf(principal, workspaceId, versions);
    if (!role) throw notFound();
    if (principal.kind === 'api_key' && ADMINISTRATION_PERMISSIONS.has(permission)) {
      throw new DomainError('forbidden', ACCESS_DENIALS.apiKeyAdministers);
    }
    if (!roleAllows(role, permission)) {
      throw new DomainError('forbidden', ACCESS_DENIALS.roleLacks(role, permission));
    }
    setWorkspaceAccess(request, { workspaceId, role });
    RequestContext.assign({ workspaceId, workspaceRole: role });
  }

  private async roleOf(
    principal: Principal,
    workspaceId: string,
    versions: CacheVersions,
  ): Promise<WorkspaceRole | undefined> {
    switch (principal.kind) {
      case 'user':
        return this.workspaces.roleOf(workspaceId, principal.userId, versions);
      case 'api_key':
        return principal.workspaceId === workspaceId ? principal.role : undefined;
      default: {
        const unreachable: never = principal;
        throw new Error(`unknown principal ${String(unreachable)}`);
      }
    }
  }
}
