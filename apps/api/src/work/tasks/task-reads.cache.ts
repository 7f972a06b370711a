import { USER_NAMES_CACHE_NAMESPACE } from '@groundwork/identity';
import { tasksCacheNamespace } from '@groundwork/work';
import type { CachedOptions, RouteParams } from '../../http/cache/cached.options.js';

function workspaceOf(params: RouteParams): string {
  const workspaceId = params.workspaceId;
  if (workspaceId === undefined) throw new Error('a cached task read has no :workspaceId');
  return workspaceId;
}

/** v1 task reads: only the tasks themselves. */
export const TASK_READS_V1: CachedOptions = {
  namespaces: (params) => [tasksCacheNamespace(workspaceOf(params))],
};

/** v2 task reads also embed assignee names (and project keys, whose change bumps the tasks namespace). */
export const TASK_READS_V2: CachedOptions = {
  namespaces: (params) => [tasksCacheNamespace(workspaceOf(params)), USER_NAMES_CACHE_NAMESPACE],
};
