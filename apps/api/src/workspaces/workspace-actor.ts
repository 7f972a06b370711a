import type { WorkspaceActor } from '@groundwork/workspaces';
import type { Principal } from '../http/auth/principal.js';
import type { WorkspaceAccessGrant } from '../http/auth/workspace-access.context.js';

/** The caller of a workspace route as the workspaces services see it. */
export function workspaceActor(caller: Principal, grant: WorkspaceAccessGrant): WorkspaceActor {
  switch (caller.kind) {
    case 'user':
      return { userId: caller.userId, role: grant.role };
    case 'api_key':
      // What a key does is recorded against the person who created it, and the key itself.
      return { userId: caller.createdById, apiKeyId: caller.apiKeyId, role: grant.role };
    default: {
      const unreachable: never = caller;
      throw new Error(`unknown principal ${String(unreachable)}`);
    }
  }
}
