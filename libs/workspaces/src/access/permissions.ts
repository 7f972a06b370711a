/**
 * The role → permission table: the one place that says who may do what in a workspace
 * (docs/identity-and-access.md, access rules). Routes name a permission; the permission guard looks the caller's role up
 * here. Rules that depend on the resource (a member edits only their own comments) live in
 * the domain services, not here.
 */
export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const PERMISSIONS = [
  'workspace:read',
  'workspace:update',
  'workspace:delete',
  'workspace:transfer',
  'members:read',
  'members:manage',
  'invitations:manage',
  'api_keys:manage',
  'audit:read',
  'projects:read',
  'projects:write',
  'tasks:read',
  'tasks:write',
  'comments:read',
  'comments:write',
  'attachments:read',
  'attachments:write',
  'webhooks:manage',
  'events:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = [
  'workspace:read',
  'members:read',
  'projects:read',
  'tasks:read',
  'comments:read',
  'attachments:read',
  'events:read',
];
const MEMBER: readonly Permission[] = [
  ...VIEWER,
  'projects:write',
  'tasks:write',
  'comments:write',
  'attachments:write',
];
const ADMIN: readonly Permission[] = [
  ...MEMBER,
  'workspace:update',
  'members:manage',
  'invitations:manage',
  'api_keys:manage',
  'audit:read',
  'webhooks:manage',
];
const OWNER: readonly Permission[] = [...ADMIN, 'workspace:delete', 'workspace:transfer'];

export const ROLE_PERMISSIONS: Readonly<Record<WorkspaceRole, ReadonlySet<Permission>>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  member: new Set(MEMBER),
  viewer: new Set(VIEWER),
};

export function roleAllows(role: WorkspaceRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * Administration: who belongs to the workspace and with what rights, and the workspace itself.
 * API keys are for automation and never hold these, whatever their role — a leaked or
 * forgotten key must not be able to let anyone in or keep its creator in.
 */
export const ADMINISTRATION_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'workspace:update',
  'workspace:delete',
  'workspace:transfer',
  'members:manage',
  'invitations:manage',
  'api_keys:manage',
]);

export const API_KEY_ADMINISTRATION_DENIAL =
  'API keys cannot manage members, invitations, API keys, ownership or the workspace.';

/** What an API key with `role` may do: its role's permissions, administration excepted. */
export function apiKeyAllows(role: WorkspaceRole, permission: Permission): boolean {
  return roleAllows(role, permission) && !ADMINISTRATION_PERMISSIONS.has(permission);
}

const RANK: Readonly<Record<WorkspaceRole, number>> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/** `owner` > `admin` > `member` > `viewer`: whether `role` is at least `other`. */
export function roleAtLeast(role: WorkspaceRole, other: WorkspaceRole): boolean {
  return RANK[role] >= RANK[other];
}

/** The lower of two roles. */
export function lowerRole(a: WorkspaceRole, b: WorkspaceRole): WorkspaceRole {
  return RANK[a] <= RANK[b] ? a : b;
}

export function isWorkspaceRole(value: string): value is WorkspaceRole {
  return (WORKSPACE_ROLES as readonly string[]).includes(value);
}
