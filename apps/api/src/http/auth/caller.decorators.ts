import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { WorkspaceActor } from '@groundwork/workspaces';
import type { Principal, UserPrincipal } from './principal.js';
import { requestAuth } from './request-auth.js';
import { workspaceAccessOf } from './workspace-access.context.js';

function principalOf(request: object): Principal {
  const principal = requestAuth(request).principal;
  if (!principal) throw new Error('a caller decorator was used on a public route');
  return principal;
}

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<object>();

/** `@Caller() caller: Principal` — a person or an API key, as authenticated. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(requestOf(context)),
);

/** `@CurrentUser() user: UserPrincipal` — on `@Authenticated()` routes, which refuse API keys. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = principalOf(requestOf(context));
  if (principal.kind !== 'user') throw new Error('@CurrentUser() used on a route that admits API keys');
  return principal;
});

/**
 * `@WorkspaceId() workspaceId: string` on a `@RequirePermission()` route — the workspace as the
 * access guard verified it, the one source of it for handlers. It declares the `workspaceId`
 * path parameter in the OpenAPI document too.
 */
export const WorkspaceId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => workspaceAccessOf(requestOf(context)).workspaceId,
  [
    (target, key) => {
      const handler = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
      if (key !== undefined && handler) ApiParam({ name: 'workspaceId', type: String })(target, key, handler);
    },
  ],
);

/**
 * `@Actor() actor: WorkspaceActor` on a `@RequirePermission()` route — the caller as the
 * services see it, with the role the access guard found. What an API key does is recorded
 * against the person who created it, and the key itself.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): WorkspaceActor => {
  const request = requestOf(context);
  const principal = principalOf(request);
  const { role } = workspaceAccessOf(request);
  switch (principal.kind) {
    case 'user':
      return { userId: principal.userId, role };
    case 'api_key':
      return { userId: principal.createdById, apiKeyId: principal.apiKeyId, role };
    default: {
      const unreachable: never = principal;
      throw new Error(`unknown principal ${String(unreachable)}`);
    }
  }
});
