import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@groundwork/platform';
import { ElasticsearchSearchEngine, SENTINEL, type SearchRequest, toSearchText } from '@groundwork/search';
import { type RecordedRequest, RecordingElasticsearch } from '../../support/recording-elasticsearch.js';

/**
 * The Elasticsearch engine's requests and its reading of responses, on Elastic's official
 * client mock (no Elasticsearch server runs here): the exact `_search` body sent for a query,
 * and real response shapes turned into results.
 */
const WS = '0193a000-0000-7000-8000-000000000001';
const PROJECT = '0193a000-0000-7000-8000-000000000002';
const TASK = '0193a000-0000-7000-8000-000000000003';
const COMMENT = '0193a000-0000-7000-8000-000000000004';
const ALIAS = 'groundwork-test';

const FIELDS = ['title^10', 'labels^4', 'key^4', 'description^2', 'body^1'];
const PREFIX_FIELDS = ['title.prefix^10', 'labels.prefix^4', 'key.prefix^4', 'description.prefix^2', 'body.prefix^1'];
const word = (query: string) => ({ multi_match: { query, fields: FIELDS, type: 'cross_fields', operator: 'and' } });
const prefixed = (query: string) => ({
  bool: {
    should: [word(query), { multi_match: { query, fields: PREFIX_FIELDS, type: 'cross_fields', operator: 'and' } }],
    minimum_should_match: 1,
  },
});
const FRAGMENTS = { fragment_size: 150, number_of_fragments: 2, no_match_size: 150 };
const WHOLE = { number_of_fragments: 0, no_match_size: 200 };
const HIGHLIGHT = {
  pre_tags: [SENTINEL.markStart],
  post_tags: [SENTINEL.markEnd],
  fields: {
    title: WHOLE,
    'title.prefix': WHOLE,
    description: FRAGMENTS,
    'description.prefix': FRAGMENTS,
    body: FRAGMENTS,
    'body.prefix': FRAGMENTS,
  },
};

const request = (q: string, extra: Partial<SearchRequest> = {}): SearchRequest => ({
  workspaceId: WS,
  text: toSearchText(q),
  types: ['comment', 'task'],
  limit: 21,
  ...extra,
});

const m = (text: string) => `${SENTINEL.markStart}${text}${SENTINEL.markEnd}`;

/** A `_search` response as Elasticsearch 8/9 answers a sorted, highlighted query without total hits. */
function searchResponse(hits: unknown[]) {
  return {
    took: 3,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { max_score: null, hits },
  };
}

describe('the Elasticsearch engine', () => {
  const engineWith = (respond: (r: RecordedRequest) => unknown) => {
    const es = new RecordingElasticsearch(respond);
    return { es, engine: new ElasticsearchSearchEngine(es.client, ALIAS) };
  };

  it('searches the alias with the words as required clauses, the last also as a prefix, in the workspace’s live documents, continuing after the cursor', async () => {
    const { es, engine } = engineWith(() => searchResponse([]));
    await engine.search(
      request('Deploy pipel', {
        types: ['task'],
        projectId: PROJECT,
        after: { score: 1.5, updatedAt: new Date('2026-12-07T10:00:00.000Z'), id: TASK },
      }),
    );
    expect(es.requests).toEqual([
      {
        method: 'POST',
        path: `/${ALIAS}/_search`,
        querystring: {},
        body: {
          size: 21,
          track_total_hits: false,
          query: {
            bool: {
              filter: [
                { term: { workspace_id: WS } },
                { terms: { type: ['task'] } },
                { term: { live: true } },
                { term: { project_id: PROJECT } },
              ],
              must: [word('Deploy'), prefixed('pipel')],
            },
          },
          sort: [{ _score: { order: 'desc' } }, { updated_at: { order: 'desc' } }, { id: { order: 'desc' } }],
          search_after: [1.5, Date.parse('2026-12-07T10:00:00.000Z'), TASK],
          _source: ['type', 'id', 'task_id', 'project_id', 'task_title', 'updated_at'],
          highlight: HIGHLIGHT,
        },
      },
    ]);
  });

  it('sends phrases, exclusions and alternatives as phrase, must_not and should clauses — the text only ever as query strings', async () => {
    const { es, engine } = engineWith(() => searchResponse([]));
    await engine.search(request('"release notes" -draft kubernetes or helm'));
    const body = es.requests[0]!.body as { query: { bool: { must: unknown[] } } };
    expect(body.query.bool.must).toEqual([
      { multi_match: { query: 'release notes', fields: FIELDS, type: 'phrase' } },
      { bool: { must_not: [word('draft')] } },
      { bool: { should: [word('kubernetes'), prefixed('helm')], minimum_should_match: 1 } },
    ]);

    es.clear();
    await engine.search(request('{"script": "x"} ) OR 1=1; --'));
    const hostile = es.requests[0]!.body as { query: { bool: { must: unknown[] } } };
    const phraseOf = (query: string) => ({ multi_match: { query, fields: FIELDS, type: 'phrase' } });
    expect(hostile.query.bool.must).toEqual([
      phraseOf('script'),
      { bool: { should: [phraseOf('x'), word('1=1;')], minimum_should_match: 1 } },
    ]);
  });

  it('sends nothing and finds nothing when no term is left (punctuation, emoji)', async () => {
    const { es, engine } = engineWith(() => searchResponse([]));
    expect(await engine.search(request('&& || 😀😀'))).toEqual([]);
    expect(es.requests).toEqual([]);
  });

  it('reads hits in order, with the sort values as the position and <mark> snippets whose other text is escaped', async () => {
    const updated = '2026-12-07T10:00:00.000Z';
    const { engine } = engineWith(() =>
      searchResponse([
        {
          _index: `${ALIAS}-20261207t100000000z`,
          _id: `task-${TASK}`,
          _score: null,
          _source: {
            type: 'task',
            id: TASK,
            task_id: TASK,
            project_id: PROJECT,
            task_title: 'Escape <script> in the deploy pipeline',
            updated_at: updated,
          },
          highlight: {
            title: [`Escape <script> in the ${m('deploy')} pipeline`],
            'title.prefix': [`Escape <script> in the deploy ${m('pipeline')}`],
          },
          sort: [2.25, Date.parse(updated), TASK],
        },
        {
          _index: `${ALIAS}-20261207t100000000z`,
          _id: `comment-${COMMENT}`,
          _score: null,
          _source: {
            type: 'comment',
            id: COMMENT,
            task_id: TASK,
            project_id: PROJECT,
            task_title: 'Escape <script> in the deploy pipeline',
            updated_at: updated,
          },
          highlight: { body: [`The ${m('deploy')} & "rollout"`] },
          sort: [0.75, Date.parse(updated), COMMENT],
        },
      ]),
    );
    expect(await engine.search(request('deploy pipel'))).toEqual([
      {
        type: 'task',
        id: TASK,
        taskId: TASK,
        projectId: PROJECT,
        title: 'Escape <script> in the deploy pipeline',
        snippet: 'Escape &lt;script&gt; in the <mark>deploy</mark> <mark>pipeline</mark>',
        score: 2.25,
        updatedAt: new Date(updated),
      },
      {
        type: 'comment',
        id: COMMENT,
        taskId: TASK,
        projectId: PROJECT,
        title: 'Escape <script> in the deploy pipeline',
        snippet: 'The <mark>deploy</mark> &amp; &quot;rollout&quot;',
        score: 0.75,
        updatedAt: new Date(updated),
      },
    ]);
  });

  it('answers 503 unavailable when the server cannot be reached or has no index yet, and passes a refused request on', async () => {
    const unreachable = engineWith(() => RecordingElasticsearch.unreachable()).engine;
    await expect(unreachable.search(request('deploy'))).rejects.toMatchObject({
      code: 'unavailable',
      retryAfterSeconds: 5,
    });
    const noIndex = engineWith(() =>
      RecordingElasticsearch.error(404, {
        error: { type: 'index_not_found_exception', reason: `no such index [${ALIAS}]` },
        status: 404,
      }),
    ).engine;
    await expect(noIndex.search(request('deploy'))).rejects.toBeInstanceOf(DomainError);
    const refused = engineWith(() =>
      RecordingElasticsearch.error(400, { error: { type: 'search_phase_execution_exception' }, status: 400 }),
    ).engine;
    const error = await refused.search(request('deploy')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DomainError);
    expect((error as Error).name).toBe('ResponseError');
  });
});
