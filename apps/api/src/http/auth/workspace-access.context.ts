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

/** The grant of a `@RequirePermission()` route; anywhere else it is a bug in the route. */
export function workspaceAccessOf(request: object): WorkspaceAccessGrant {
  const grant = (request as WithAccess).workspaceAccess;
  if (!grant) throw new Error('a workspace parameter was used on a route without @RequirePermission()');
  return grant;
}
