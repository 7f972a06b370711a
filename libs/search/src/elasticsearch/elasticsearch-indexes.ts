import type { Client, estypes } from '@elastic/elasticsearch';
import type { DistributedLock } from '@groundwork/platform';
import type { SearchLanguage } from '../config/search-config.js';
import { REINDEX_LOCK } from '../reindex/search-reindexer.js';
import { buildingAlias, indexDefinition, newIndexName } from './index-definition.js';
import type { DocumentSource, SearchDocument } from './search-documents.js';

/** A write of the indexer: a document as the database has it, or a document's removal at a version. */
export type DocumentWrite =
  { kind: 'index'; document: SearchDocument } | { kind: 'delete'; _id: string; version: number };

/** What a bulk request did: documents written, writes refused as older than the stored version, removals of absent documents. */
export interface BulkOutcome {
  written: number;
  stale: number;
  absent: number;
}

/** Elasticsearch refused writes for another reason than their version: the job fails and is retried. */
export class SearchIndexingError extends Error {
  constructor(readonly reasons: string[]) {
    super(`Elasticsearch refused ${reasons.length} write(s): ${reasons.slice(0, 3).join('; ')}`);
    this.name = 'SearchIndexingError';
  }
}

/** No index exists and another process holds the lock to create one (or is reindexing): retry later. */
export class SearchIndexNotReadyError extends Error {
  constructor() {
    super('the search index is being created by another process; retry shortly');
    this.name = 'SearchIndexNotReadyError';
  }
}

/** How long creating the first index may hold the reindex lock. */
const CREATE_LOCK_TTL_MS = 30_000;

/**
 * The environment's indices: the alias searches read (`<prefix>-<env>`) and, while a reindex
 * runs, the `-building` alias of the index it fills. Writes go to the indices behind both, so
 * nothing written during a reindex is missing from the new index when the alias moves to it.
 */
export class ElasticsearchIndexes {
  constructor(
    private readonly client: Client,
    readonly alias: string,
    private readonly lock: DistributedLock,
  ) {}

  /** The indices a write goes to; creates the first index when there is none yet. */
  async writeTargets(language: SearchLanguage): Promise<string[]> {
    const targets = await this.indicesBehind([this.alias, buildingAlias(this.alias)]);
    if (targets.length > 0) return targets;
    return this.createFirst(language);
  }

  /** The indices behind the given aliases, sorted (an absent alias contributes none). */
  async indicesBehind(aliases: string[]): Promise<string[]> {
    // A missing alias is a 404 whose body still lists the aliases that exist.
    const found = (await this.client.indices.getAlias({ name: aliases }, { ignore: [404] })) as Record<string, unknown>;
    return Object.keys(found)
      .filter((key) => key !== 'error' && key !== 'status')
      .sort();
  }

  /** Creates an index with the language's analyzers and the given aliases. */
  async create(index: string, language: SearchLanguage, aliases: string[]): Promise<void> {
    await this.client.indices.create({
      index,
      ...indexDefinition(language),
      aliases: Object.fromEntries(aliases.map((alias) => [alias, {}])),
    });
  }

  /**
   * The writes as one `_bulk` request to every target index, each with the document's version
   * as an external version: Elasticsearch keeps a write only when its version is higher than
   * the stored one, so of two writes racing for a document the newer state wins whatever the
   * order they arrive in, and a repeated write is refused as stale — which is not a failure.
   */
  async bulk(targets: string[], writes: DocumentWrite[]): Promise<BulkOutcome> {
    const outcome: BulkOutcome = { written: 0, stale: 0, absent: 0 };
    if (writes.length === 0 || targets.length === 0) return outcome;
    const operations: (estypes.BulkOperationContainer | DocumentSource)[] = [];
    for (const index of targets) {
      for (const write of writes) {
        if (write.kind === 'index') {
          const { _id, version, source } = write.document;
          operations.push({ index: { _index: index, _id, version, version_type: 'external' } }, source);
        } else {
          operations.push({
            delete: { _index: index, _id: write._id, version: write.version, version_type: 'external' },
          });
        }
      }
    }
    const response = await this.client.bulk({ operations });
    const reasons: string[] = [];
    for (const item of response.items) {
      const result = item.index ?? item.delete ?? item.create ?? item.update;
      if (result === undefined) continue;
      if (result.status === 409) outcome.stale++;
      else if (item.delete !== undefined && result.status === 404) outcome.absent++;
      else if (result.status >= 300)
        reasons.push(
          `${result._id ?? '?'}: ${result.error?.type ?? result.status} ${result.error?.reason ?? ''}`.trim(),
        );
      else outcome.written++;
    }
    if (reasons.length > 0) throw new SearchIndexingError(reasons);
    return outcome;
  }

  /** Removes every document matching the filters (a deleted project's or workspace's). */
  async deleteWhere(targets: string[], filter: Record<string, string>): Promise<number> {
    if (targets.length === 0) return 0;
    const response = await this.client.deleteByQuery({
      index: targets.join(','),
      conflicts: 'proceed',
      query: { bool: { filter: Object.entries(filter).map(([field, value]) => ({ term: { [field]: value } })) } },
    });
    return response.deleted ?? 0;
  }

  /**
   * The first index, created under the reindex lock so that two workers starting together make
   * one. Another holder (a creation or a reindex in progress) → SearchIndexNotReadyError.
   */
  private async createFirst(language: SearchLanguage): Promise<string[]> {
    const created = await this.lock.withLock(REINDEX_LOCK, CREATE_LOCK_TTL_MS, async () => {
      const existing = await this.indicesBehind([this.alias, buildingAlias(this.alias)]);
      if (existing.length > 0) return existing;
      const index = newIndexName(this.alias, new Date());
      await this.create(index, language, [this.alias]);
      return [index];
    });
    if (created === undefined) throw new SearchIndexNotReadyError();
    return created;
  }
}
