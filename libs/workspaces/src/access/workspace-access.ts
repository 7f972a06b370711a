import { Injectable } from '@nestjs/common';
import { ACCOUNTS_CACHE_NAMESPACE } from '@groundwork/identity';
import {
  type CacheVersions,
  ExpiringLru,
  isUuid,
  PrismaService,
  storedVersion,
  TwoLevelCache,
} from '@groundwork/platform';
import type { WorkspaceRole } from './permissions.js';

/**
 * The cache namespace of a workspace's memberships: bumped after every committed change that
 * can take a role away or change it (role change, removal, ownership transfer, workspace
 * deletion). Account deletions bump identity's `ACCOUNTS_CACHE_NAMESPACE`, read alongside.
 */
export const membersCacheNamespace = (workspaceId: string) => `members:${workspaceId}`;

/** Remembered roles, at most; each entry is a few dozen characters. */
const ROLE_CACHE_MAX_ENTRIES = 20_000;
/**
 * How long an instance may keep a role without re-reading it from PostgreSQL. The namespace
 * versions make a change visible at once wherever Redis answers; this bounds the one case they
 * cannot cover — a writer that could not reach Redis and died before applying its bump.
 */
export const ROLE_CACHE_TTL_MS = 5_000;

/**
 * Looks up a caller's role in a workspace: one primary-key read of the membership, remembered
 * in process under the current versions of the workspace's members namespace (and of the
 * accounts namespace). Every guarded workspace request asks, so the read is kept off the
 * database without delaying a revocation: the versions come from Redis on every call — one
 * round trip, far cheaper than the query — and any bump orphans the remembered roles on every
 * instance. Only memberships are remembered, never their absence: a membership created by
 * any means (an accepted invitation, a fixture's INSERT) counts on the next request. With
 * Redis unavailable, or a bump of this instance still pending, every call reads the database.
 * A lookup that finds no membership leaves nothing behind, in process or in Redis.
 */
@Injectable()
export class WorkspaceAccess {
  private readonly roles = new ExpiringLru(ROLE_CACHE_MAX_ENTRIES, ROLE_CACHE_MAX_ENTRIES * 128, ROLE_CACHE_TTL_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: TwoLevelCache,
  ) {}

  /**
   * `versions` is where the namespaces' versions come from: Redis by default, or the request's
   * loader when the request reads other versions too (one round trip for all of them).
   */
  async roleOf(
    workspaceId: string,
    userId: string,
    versions: CacheVersions = this.cache,
  ): Promise<WorkspaceRole | undefined> {
    if (!isUuid(workspaceId)) return undefined;
    const namespaces = [membersCacheNamespace(workspaceId), ACCOUNTS_CACHE_NAMESPACE];
    const current = await versions.currentVersions(namespaces);
    const key = current === undefined ? undefined : `${workspaceId}@${current.map(storedVersion).join('@')}|${userId}`;
    const known = key === undefined ? undefined : this.roles.get(key);
    if (known !== undefined) return known as WorkspaceRole;
    const membership = await this.prisma.membership.findUnique({
      where: { workspaceId_userId: { workspaceId, userId } },
      select: { role: true },
    });
    // Stored under the versions read before the query: a change committed meanwhile has
    // already moved them on, so this entry is born orphaned rather than stale.
    if (membership && current !== undefined && key !== undefined) {
      this.roles.set(key, membership.role);
      // Version keys are created only for a membership found: asking about a workspace one
      // does not belong to (or that does not exist) writes nothing to Redis.
      await this.cache.adoptVersions(namespaces, current);
    }
    return membership?.role;
  }

  /** Call after the change has committed, before answering (every instance's next check reads it). */
  async membershipsChanged(workspaceId: string): Promise<void> {
    await this.cache.invalidate(membersCacheNamespace(workspaceId));
  }
}
