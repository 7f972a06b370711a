import { Injectable } from '@nestjs/common';
import { FeatureFlags } from '@groundwork/flags';
import {
  CursorCodec,
  cursorScope,
  type CursorValue,
  DomainError,
  isUuid,
  type Page,
  toPage,
} from '@groundwork/platform';
import { SearchEngine, type SearchHit, type SearchPosition, type SearchType } from './ports/search-engine.js';
import { isValidQuery, MAX_QUERY_CHARACTERS, toSearchText } from './query/search-text.js';

export interface SearchParams {
  q: string;
  types: readonly SearchType[];
  projectId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Search within one workspace, whatever the engine: answers only while the workspace's `search`
 * flag is on (403 feature-disabled otherwise; the index is kept current either way), validates
 * the query, pages with an opaque cursor bound to (workspace, query, filters), and asks the
 * engine for one row more than the page to know whether another page follows.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly engine: SearchEngine,
    private readonly flags: FeatureFlags,
  ) {}

  async search(workspaceId: string, params: SearchParams): Promise<Page<SearchHit>> {
    await this.flags.assertEnabled('search', { workspaceId });
    if (!isValidQuery(params.q)) {
      throw new DomainError('validation_failed', 'The request has invalid fields.', {
        errors: [{ field: 'q', message: `q must be 1 to ${MAX_QUERY_CHARACTERS} characters, not only spaces` }],
      });
    }
    const types = [...new Set(params.types)].sort();
    const scope = cursorScope(['search', workspaceId, params.q, types, params.projectId ?? null]);
    const after = params.cursor === undefined ? undefined : positionOf(CursorCodec.decode(scope, params.cursor));
    const hits = await this.engine.search({
      workspaceId,
      text: toSearchText(params.q),
      types,
      projectId: params.projectId,
      limit: params.limit + 1,
      after,
    });
    return toPage(
      hits,
      params.limit,
      scope,
      (hit): CursorValue[] => [hit.score, hit.updatedAt.toISOString(), hit.id],
      (hit) => hit,
    );
  }
}

function positionOf(values: CursorValue[]): SearchPosition {
  const [score, updatedAt, id] = values;
  const invalid = () => new DomainError('invalid_cursor', 'The cursor is invalid.');
  if (values.length !== 3 || typeof score !== 'number' || !Number.isFinite(score)) throw invalid();
  if (typeof updatedAt !== 'string' || Number.isNaN(Date.parse(updatedAt))) throw invalid();
  if (typeof id !== 'string' || !isUuid(id)) throw invalid();
  return { score, updatedAt: new Date(updatedAt), id };
}
