/**
 * The cache namespace of a workspace's task representations (one task, lists, v1 and v2).
 * Every write that changes what a task read answers bumps it after its commit; the api's
 * cached reads of the workspace's tasks are stored under it.
 */
export function tasksCacheNamespace(workspaceId: string): string {
  return `tasks:${workspaceId}`;
}
