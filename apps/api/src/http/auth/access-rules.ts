import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@groundwork/workspaces';

/**
 * Every route declares who may call it — there is no default. The access guard refuses to
 * serve a route without a rule, and the authorization matrix test enumerates these rules.
 */
export type AccessRule =
  | { kind: 'public' }
  /** A signed-in person (bearer token or cookie session); API keys are refused. */
  | { kind: 'user' }
  /** A platform administrator (a person whose verified email is in PLATFORM_ADMIN_EMAILS). */
  | { kind: 'platform_admin' }
  /** A member of the route's `:workspaceId` (or an API key of it) whose role grants the permission. */
  | { kind: 'permission'; permission: Permission };

export const ACCESS_RULE = 'groundwork:access-rule';

/** Anyone, signed in or not (sign-up, login, probes, the JWKS). */
export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);

/** The caller's own account: a person, not an API key. */
export const Authenticated = () => SetMetadata(ACCESS_RULE, { kind: 'user' } satisfies AccessRule);

/** The platform's administration (feature flags, the admin audit log): platform administrators only. */
export const PlatformAdminOnly = () => SetMetadata(ACCESS_RULE, { kind: 'platform_admin' } satisfies AccessRule);

/** A workspace route: the caller's role in `:workspaceId` must grant `permission`. */
export const RequirePermission = (permission: Permission) =>
  SetMetadata(ACCESS_RULE, { kind: 'permission', permission } satisfies AccessRule);
