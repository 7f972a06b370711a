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
  'events:read',
];
const MEMBER: readonly Permission[] = [...VIEWER, 'projects:write', 'tasks:write', 'comments:write'];
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

const RANK: Readonly<Record<WorkspaceRole, number>> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/** `owner` > `admin` > `member` > `viewer`: whether `role` is at least `other`. */
export function roleAtLeast(role: WorkspaceRole, other: WorkspaceRole): boolean {
  return RANK[role] >= RANK[other];
}

export function isWorkspaceRole(value: string): value is WorkspaceRole {
  return (WORKSPACE_ROLES as readonly string[]).includes(value);
}
