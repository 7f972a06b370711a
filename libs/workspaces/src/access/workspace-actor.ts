import { DomainError } from '@groundwork/platform';
import {
  API_KEY_ADMINISTRATION_DENIAL,
  apiKeyAllows,
  ADMINISTRATION_PERMISSIONS,
  type Permission,
  roleAllows,
  type WorkspaceRole,
} from './permissions.js';

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
  /** The actor's role in the workspace (for an API key, the key's role capped at its creator's). */
  role: WorkspaceRole;
}

/** Whether the actor is the person `userId` acting in person (not through one of their keys). */
export function actsAs(actor: WorkspaceActor, userId: string): boolean {
  return actor.apiKeyId === undefined && actor.userId === userId;
}

/** Whether the actor may use `permission`: its role's, and for an API key never administration. */
export function actorAllows(actor: WorkspaceActor, permission: Permission): boolean {
  return actor.apiKeyId === undefined ? roleAllows(actor.role, permission) : apiKeyAllows(actor.role, permission);
}

/** Refuses (403) an actor that may not use `permission`. */
export function assertActorAllows(actor: WorkspaceActor, permission: Permission): void {
  if (actorAllows(actor, permission)) return;
  if (actor.apiKeyId !== undefined && ADMINISTRATION_PERMISSIONS.has(permission)) {
    throw new DomainError('forbidden', API_KEY_ADMINISTRATION_DENIAL);
  }
  throw new DomainError('forbidden', `Your role (${actor.role}) does not allow ${permission}.`);
}
