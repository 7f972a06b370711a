import type { WorkspaceRole } from './permissions.js';

/**
 * Who acts on a workspace, as the services need it: the access guard has already checked the
 * route's permission; services apply the rules that depend on the resource (the owner is
 * untouchable, nobody grants more than they hold, leaving is always allowed).
 */
export interface WorkspaceActor {
  /** The person acting; for an API key, the person who created it (recorded as the actor). */
  userId: string;
  /** Set when an API key acts: it is then never "the member themselves". */
  apiKeyId?: string;
  /** The actor's role in the workspace (for an API key, the key's role). */
  role: WorkspaceRole;
}

/** Whether the actor is the person `userId` acting in person (not through one of their keys). */
export function actsAs(actor: WorkspaceActor, userId: string): boolean {
  return actor.apiKeyId === undefined && actor.userId === userId;
}
