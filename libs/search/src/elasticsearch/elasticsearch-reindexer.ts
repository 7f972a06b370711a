import type { Client } from '@elastic/elasticsearch';
import type { DistributedLock, LockHandle } from '@groundwork/platform';
import type { SearchLanguage } from '../config/search-config.js';
import { REINDEX_LOCK, type ReindexOutcome, type ReindexProgress } from '../reindex/search-reindexer.js';
import type { ElasticsearchIndexes } from './elasticsearch-indexes.js';
import { buildingAlias, newIndexName } from './index-definition.js';
import { FIRST_ID, type SearchDocuments } from './search-documents.js';

/** The lock's lifetime; extended after each batch, so a crashed run frees it within this. */
const LOCK_TTL_MS = 60_000;
const BATCH_SIZE = 1_000;

/**
 * Rebuilds the Elasticsearch index with no downtime: creates a new index (the analyzers of the
 * configured language) behind the `-building` alias, copies every task and comment into it in
 * batches with their versions, refreshes it, then moves the alias to it in one atomic
 * `_aliases` request and deletes the old indices. Searches read the old index until the swap.
 * The indexer writes to both while the copy runs (it writes to every index behind either
 * alias), and versions decide between a copied row and a newer write, so the new index misses
 * nothing written meanwhile. One run at a time across replicas (the same lock as PostgreSQL's).
 */
export class ElasticsearchReindexer {
  constructor(
    private readonly client: Client,
    private readonly indexes: ElasticsearchIndexes,
    private readonly documents: SearchDocuments,
    private readonly lock: DistributedLock,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(language: SearchLanguage, onProgress: (progress: ReindexProgress) => void): Promise<ReindexOutcome> {
    const outcome = await this.lock.withLock(REINDEX_LOCK, LOCK_TTL_MS, async (handle) => {
      const alias = this.indexes.alias;
      const building = buildingAlias(alias);
      // A run that crashed left its index behind the building alias: it goes.
      const leftovers = await this.indexes.indicesBehind([building]);
      if (leftovers.length > 0) await this.client.indices.delete({ index: leftovers.join(',') });
      const index = newIndexName(alias, this.clock());
      await this.indexes.create(index, language, [building]);
      const tasks = await this.copy('tasks', index, handle, onProgress);
      const comments = await this.copy('task_comments', index, handle, onProgress);
      await this.client.indices.refresh({ index });
      const old = await this.indexes.indicesBehind([alias]);
      await this.client.indices.updateAliases({
        actions: [
          ...old.map((name) => ({ remove: { index: name, alias } })),
          { add: { index, alias } },
          { remove: { index, alias: building } },
        ],
      });
      if (old.length > 0) await this.client.indices.delete({ index: old.join(',') });
      return { kind: 'done', tasks, comments, language } as const;
    });
    return outcome ?? { kind: 'already-running' };
  }

  private async copy(
    table: ReindexProgress['table'],
    index: string,
    handle: LockHandle,
    onProgress: (progress: ReindexProgress) => void,
  ): Promise<number> {
    const total = await this.documents.count(table);
    let done = 0;
    onProgress({ table, done, total });
    for (let after = FIRST_ID; ;) {
      const page =
        table === 'tasks'
          ? await this.documents.tasks(null, { after, limit: BATCH_SIZE })
          : await this.documents.comments(null, { after, limit: BATCH_SIZE });
      if (page.length === 0) break;
      await this.indexes.bulk(
        [index],
        page.map((document) => ({ kind: 'index', document })),
      );
      done += page.length;
      after = page.at(-1)!.source.id;
      onProgress({ table, done, total: Math.max(total, done) });
      if (!(await handle.extend(LOCK_TTL_MS))) throw new Error('lost the reindex lock; stopping');
    }
    return done;
  }
}
