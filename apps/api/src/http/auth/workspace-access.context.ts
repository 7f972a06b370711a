import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { WorkspaceRole } from '@groundwork/workspaces';

/** The caller's standing in the route's workspace, resolved once by the access guard. */
export interface WorkspaceAccessGrant {
  workspaceId: string;
  role: WorkspaceRole;
}

interface WithAccess {
  workspaceAccess?: WorkspaceAccessGrant;
}

export function setWorkspaceAccess(request: object, grant: WorkspaceAccessGrant): void {
  (request as WithAccess).workspaceAccess = grant;
}

/** `@Grant() grant: WorkspaceAccessGrant` in a workspace route handler. */
export const Grant = createParamDecorator((_data: unknown, context: ExecutionContext): WorkspaceAccessGrant => {
  const grant = context.switchToHttp().getRequest<WithAccess>().workspaceAccess;
  if (!grant) throw new Error('@Grant() used on a route without @RequirePermission()');
  return grant;
});
