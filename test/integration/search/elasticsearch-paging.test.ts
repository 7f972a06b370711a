import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { FeatureFlags } from '@groundwork/flags';
import { ElasticsearchSearchEngine, SearchModule, SearchService } from '@groundwork/search';
import { platformTestingModule } from '../../support/platform-context.js';
import type { RecordedRequest } from '../../support/recording-elasticsearch.js';
import { RecordingElasticsearch } from '../../support/recording-elasticsearch.js';

const WS = '0193a000-0000-7000-8000-0000000000a1';
const PROJECT = '0193a000-0000-7000-8000-0000000000a2';
const ids = [
  '0193a000-0000-7000-8000-0000000000b3',
  '0193a000-0000-7000-8000-0000000000b2',
  '0193a000-0000-7000-8000-0000000000b1',
];
const UPDATED = '2026-12-07T10:00:00.000Z';

/**
 * The route's opaque cursor over the Elasticsearch engine (SearchService as the route uses it,
 * Elastic's official client mock as the server): a page's cursor carries the last hit's sort
 * values, and the next page's request continues from them with `search_after`.
 */
describe('search paging on Elasticsearch', () => {
  let moduleRef: TestingModule;
  let es: RecordingElasticsearch;
  let search: SearchService;

  const hit = (id: string, score: number) => ({
    _index: 'groundwork-test-20261207t100000000z',
    _id: `task-${id}`,
    _score: null,
    _source: { type: 'task', id, task_id: id, project_id: PROJECT, task_title: 'Deploy', updated_at: UPDATED },
    highlight: { title: ['\uE004Deploy\uE005'] },
    sort: [score, Date.parse(UPDATED), id],
  });

  beforeAll(async () => {
    moduleRef = await platformTestingModule({ imports: [SearchModule] });
    es = new RecordingElasticsearch((request: RecordedRequest) => {
      const body = request.body as { search_after?: unknown[] };
      const hits =
        body.search_after === undefined ? [hit(ids[0]!, 3.5), hit(ids[1]!, 2.25), hit(ids[2]!, 1)] : [hit(ids[2]!, 1)];
      return {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: { max_score: null, hits },
      };
    });
    search = new SearchService(
      new ElasticsearchSearchEngine(es.client, 'groundwork-test'),
      moduleRef.get(FeatureFlags),
    );
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  it('asks one hit more than the page, and continues the next page after the last hit’s sort values', async () => {
    const first = await search.search(WS, { q: 'deploy', types: ['task'], limit: 2 });
    expect(first.data.map((h) => [h.id, h.score, h.snippet])).toEqual([
      [ids[0], 3.5, '<mark>Deploy</mark>'],
      [ids[1], 2.25, '<mark>Deploy</mark>'],
    ]);
    expect(first.page.nextCursor).toEqual(expect.any(String));
    expect((es.requests[0]!.body as { size: number }).size).toBe(3);

    const second = await search.search(WS, { q: 'deploy', types: ['task'], limit: 2, cursor: first.page.nextCursor! });
    expect((es.requests[1]!.body as { search_after: unknown[] }).search_after).toEqual([
      2.25,
      Date.parse(UPDATED),
      ids[1],
    ]);
    expect(second.data.map((h) => h.id)).toEqual([ids[2]]);
    expect(second.page.nextCursor).toBeNull();
  });

  it('refuses a cursor of another query before asking Elasticsearch', async () => {
    const first = await search.search(WS, { q: 'deploy', types: ['task'], limit: 2 });
    es.clear();
    await expect(
      search.search(WS, { q: 'release', types: ['task'], limit: 2, cursor: first.page.nextCursor! }),
    ).rejects.toMatchObject({ code: 'invalid_cursor' });
    expect(es.requests).toEqual([]);
  });
});
