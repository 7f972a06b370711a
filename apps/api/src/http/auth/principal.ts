import type { WorkspaceRole } from '@groundwork/workspaces';

/** A signed-in person, through a bearer access token or a cookie session. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  /** The session (`sid`) the credential belongs to: revoking it ends the credential. */
  sessionId: string;
  via: 'bearer' | 'cookie';
}

/** A workspace API key: acts like a member of that one workspace with the key's role. */
export interface ApiKeyPrincipal {
  kind: 'api_key';
  apiKeyId: string;
  workspaceId: string;
  role: WorkspaceRole;
  /** The admin who created the key (the actor recorded for what the key does). */
  createdById: string;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

/** The id that names the caller in rate limits and logs. */
export function callerKey(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'api_key':
      return `key:${principal.apiKeyId}`;
    default: {
      const unreachable: never = principal;
      throw new Error(`unknown principal ${String(unreachable)}`);
    }
  }
}
