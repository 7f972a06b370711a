import type { SearchText } from '../query/search-text.js';

export const SEARCH_TYPES = ['task', 'comment'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** One result: a task, or a comment on a task (`taskId` is the task itself for a task). */
export interface SearchHit {
  type: SearchType;
  id: string;
  taskId: string;
  projectId: string;
  /** The task's title (for a comment: the title of its task). */
  title: string;
  /** Plain text, HTML-escaped, each match wrapped in `<mark>`…`</mark>`. */
  snippet: string;
  score: number;
  updatedAt: Date;
}

/** Where a page ends in the result order (score ↓, updatedAt ↓, id ↓). */
export interface SearchPosition {
  score: number;
  updatedAt: Date;
  id: string;
}

export interface SearchRequest {
  workspaceId: string;
  text: SearchText;
  types: readonly SearchType[];
  projectId?: string;
  /** How many hits to return at most (the caller asks one more than its page to see if there is a next). */
  limit: number;
  after?: SearchPosition;
}

/**
 * The search engine port. Each adapter answers the same request with the same semantics: live
 * tasks and comments of the one workspace, matched by web-search syntax with stemming, accent-
 * and case-folding, the last word as a prefix, ordered by relevance then recency then id.
 */
export abstract class SearchEngine {
  abstract search(request: SearchRequest): Promise<SearchHit[]>;
}
