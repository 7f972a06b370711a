import type { Client, estypes } from '@elastic/elasticsearch';
import { DomainError } from '@groundwork/platform';
import { SearchEngine, type SearchHit, type SearchRequest, type SearchType } from '../ports/search-engine.js';
import { renderSnippet, withoutSentinels } from '../query/snippet.js';
import { type Highlights, snippetSource } from './highlights.js';
import { searchBody } from './search-request.js';

/** The `_source` fields a search reads back. */
export interface HitSource {
  type: SearchType;
  id: string;
  task_id: string;
  project_id: string;
  task_title: string;
  updated_at: string;
}

/**
 * Elasticsearch search through the environment's alias (`<ELASTICSEARCH_INDEX_PREFIX>-<NODE_ENV>`),
 * answering the port's request with the PostgreSQL engine's semantics (see searchBody). The
 * cursor's (score, updatedAt, id) is Elasticsearch's sort values, handed back as `search_after`.
 */
export class ElasticsearchSearchEngine extends SearchEngine {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {
    super();
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    const body = searchBody(request);
    if (body === null) return [];
    let response: estypes.SearchResponse<HitSource>;
    try {
      response = await this.client.search<HitSource>({ index: this.alias, ...body });
    } catch (error) {
      throw asUnavailable(error);
    }
    return response.hits.hits.map((hit) => toSearchHit(hit));
  }
}

/** One Elasticsearch hit as the port's result. */
export function toSearchHit(hit: estypes.SearchHit<HitSource>): SearchHit {
  const source = hit._source;
  if (source === undefined) throw new Error(`Elasticsearch hit ${hit._id ?? '?'} came back without its _source`);
  const [score] = hit.sort ?? [hit._score];
  return {
    type: source.type,
    id: source.id,
    taskId: source.task_id,
    projectId: source.project_id,
    title: withoutSentinels(source.task_title),
    snippet: renderSnippet(
      snippetSource(source.type, hit.highlight as Highlights | undefined, withoutSentinels(source.task_title)),
    ),
    score: typeof score === 'number' ? score : Number(score ?? 0),
    updatedAt: new Date(source.updated_at),
  };
}

/** The client's errors that mean "not now": the server is unreachable, timing out or has no live node. */
const TRANSIENT_ERRORS = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/**
 * An engine that cannot answer now (unreachable, timing out, overloaded, or without its index
 * yet) is a 503 with Retry-After; anything else (a request it refused) stays a server error.
 * Errors are told apart by name: the client's CommonJS and ES module builds each have their own
 * error classes, so `instanceof` depends on which build threw.
 */
export function asUnavailable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  const transient =
    TRANSIENT_ERRORS.has(error.name) ||
    (error.name === 'ResponseError' && typeof status === 'number' && [404, 429, 502, 503, 504].includes(status));
  return transient
    ? new DomainError('unavailable', 'The search engine is unavailable; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      })
    : error;
}
