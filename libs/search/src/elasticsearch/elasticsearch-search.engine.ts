import { type Client, errors, type estypes } from '@elastic/elasticsearch';
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

/**
 * An engine that cannot answer now (unreachable, timing out, overloaded, or without its index
 * yet) is a 503 with Retry-After; anything else (a request it refused) stays a server error.
 */
export function asUnavailable(error: unknown): unknown {
  const transient =
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    (error instanceof errors.ResponseError && [404, 429, 502, 503, 504].includes(error.statusCode ?? 0));
  return transient
    ? new DomainError('unavailable', 'The search engine is unavailable; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      })
    : error;
}
