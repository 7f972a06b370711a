// Type-only: the work and workspaces contexts' events, for their names (no runtime dependency).
import type {} from '@groundwork/work';
import type {} from '@groundwork/workspaces';
import { registerEventConsumer } from '@groundwork/platform';
// Type-only: the `search` section of AppConfig, for the condition below.
import type {} from '../config/search-config.js';
import './search-queues.js';

/**
 * The events that change what a search document holds: every task event (their `updated_at`
 * orders results by recency), comments, a project's key (in its tasks' `KEY-123`), and the
 * deletion of a project or a workspace (their documents go with them).
 */
export const SEARCH_INDEX_EVENTS = [
  'task.created',
  'task.updated',
  'task.status_changed',
  'task.assigned',
  'task.deleted',
  'task.restored',
  'comment.created',
  'comment.updated',
  'comment.deleted',
  'project.updated',
  'project.deleted',
  'workspace.deleted',
] as const;

export type SearchIndexEvent = (typeof SEARCH_INDEX_EVENTS)[number];

// Only Elasticsearch needs the consumer: PostgreSQL's vectors are written by triggers in the
// transaction that writes the row, so with it no job is enqueued and no worker runs.
registerEventConsumer('search-index', SEARCH_INDEX_EVENTS, {
  when: (config) => config.search.driver === 'elasticsearch',
});
