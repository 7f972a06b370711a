import { type RecordedRequest, RecordingElasticsearch } from './recording-elasticsearch.js';

interface StoredDocument {
  version: number;
  source: Record<string, unknown> | null;
}

type BulkLine = Record<string, Record<string, unknown>>;

/**
 * The answers of an Elasticsearch cluster to the indexer's and reindexer's requests, in real
 * response shapes, keeping what a real one keeps for them: aliases, and per index the documents
 * with their external versions (a write at a version not above the stored one is a 409
 * `version_conflict_engine_exception`; a removal leaves its version behind as a tombstone).
 */
export class VersionedElasticsearch {
  readonly es: RecordingElasticsearch;
  /** index name → its aliases. */
  readonly aliases = new Map<string, Set<string>>();
  /** index name → document id → document. */
  readonly indices = new Map<string, Map<string, StoredDocument>>();
  /** Bulk items to fail with a 400 `mapper_parsing_exception`, by document id. */
  readonly refuse = new Set<string>();

  constructor() {
    this.es = new RecordingElasticsearch((request) => this.respond(request));
  }

  addIndex(name: string, ...aliases: string[]): void {
    this.aliases.set(name, new Set(aliases));
    this.indices.set(name, new Map());
  }

  /** The live document (not a tombstone) of an index. */
  document(index: string, id: string): StoredDocument | undefined {
    const stored = this.indices.get(index)?.get(id);
    return stored?.source === null ? undefined : stored;
  }

  private respond(request: RecordedRequest): unknown {
    const { method, path } = request;
    if (method === 'GET' && path.startsWith('/_alias/')) return this.getAlias(path.slice('/_alias/'.length).split(','));
    if (method === 'POST' && path === '/_bulk') return this.bulk(request.body as BulkLine[]);
    if (method === 'POST' && path.endsWith('/_delete_by_query')) return this.deleteByQuery(path, request.body);
    if (method === 'POST' && path === '/_aliases') return this.updateAliases(request.body);
    if (path.endsWith('/_refresh')) return { _shards: { total: 1, successful: 1, failed: 0 } };
    if (method === 'PUT') {
      const name = path.slice(1);
      const body = request.body as { aliases?: Record<string, unknown> };
      this.addIndex(name, ...Object.keys(body.aliases ?? {}));
      return { acknowledged: true, shards_acknowledged: true, index: name };
    }
    if (method === 'DELETE') {
      for (const name of path.slice(1).split(',')) {
        this.aliases.delete(name);
        this.indices.delete(name);
      }
      return { acknowledged: true };
    }
    throw new Error(`unexpected request ${method} ${path}`);
  }

  private getAlias(names: string[]): unknown {
    const found: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const [index, aliases] of this.aliases) {
      const matching = names.filter((name) => aliases.has(name));
      matching.forEach((name) => seen.add(name));
      if (matching.length > 0) found[index] = { aliases: Object.fromEntries(matching.map((name) => [name, {}])) };
    }
    const missing = names.filter((name) => !seen.has(name));
    if (missing.length === 0) return found;
    return RecordingElasticsearch.error(404, {
      error: `alias [${missing.join(',')}] missing`,
      status: 404,
      ...found,
    });
  }

  private bulk(lines: BulkLine[]): unknown {
    const items: unknown[] = [];
    for (let i = 0; i < lines.length; i++) {
      const [action, meta] = Object.entries(lines[i]!)[0]!;
      const index = String(meta._index);
      const id = String(meta._id);
      const version = Number(meta.version);
      const documents = this.indices.get(index);
      const source = action === 'index' ? (lines[++i] as Record<string, unknown>) : null;
      const base = { _index: index, _id: id };
      if (documents === undefined) {
        items.push({
          [action]: { ...base, status: 404, error: { type: 'index_not_found_exception', reason: 'no such index' } },
        });
        continue;
      }
      if (this.refuse.has(id)) {
        items.push({
          [action]: { ...base, status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } },
        });
        continue;
      }
      const stored = documents.get(id);
      if (stored !== undefined && stored.version >= version) {
        items.push({
          [action]: {
            ...base,
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, current version [${stored.version}] is higher or equal to the one provided [${version}]`,
            },
          },
        });
        continue;
      }
      documents.set(id, { version, source });
      const shards = { total: 1, successful: 1, failed: 0 };
      if (action === 'index') {
        const result = stored === undefined || stored.source === null ? 'created' : 'updated';
        items.push({
          index: { ...base, _version: version, result, _shards: shards, status: result === 'created' ? 201 : 200 },
        });
      } else {
        const found = stored !== undefined && stored.source !== null;
        items.push({
          delete: {
            ...base,
            _version: version,
            result: found ? 'deleted' : 'not_found',
            _shards: shards,
            status: found ? 200 : 404,
          },
        });
      }
    }
    return { took: 2, errors: items.some((item) => Object.values(item as object)[0].status >= 300), items };
  }

  private deleteByQuery(path: string, body: unknown): unknown {
    const filters = (body as { query: { bool: { filter: { term: Record<string, string> }[] } } }).query.bool.filter;
    let deleted = 0;
    for (const name of path.slice(1, -'/_delete_by_query'.length).split(',')) {
      for (const [id, stored] of this.indices.get(name) ?? []) {
        if (stored.source === null) continue;
        if (filters.every(({ term }) => Object.entries(term).every(([f, v]) => stored.source![f] === v))) {
          this.indices.get(name)!.set(id, { version: stored.version, source: null });
          deleted++;
        }
      }
    }
    return {
      took: 5,
      timed_out: false,
      total: deleted,
      deleted,
      batches: 1,
      version_conflicts: 0,
      noops: 0,
      retries: { bulk: 0, search: 0 },
      throttled_millis: 0,
      requests_per_second: -1,
      throttled_until_millis: 0,
      failures: [],
    };
  }

  private updateAliases(body: unknown): unknown {
    for (const action of (body as { actions: Record<string, { index: string; alias: string }>[] }).actions) {
      const [kind, { index, alias }] = Object.entries(action)[0]!;
      if (kind === 'add') this.aliases.get(index)?.add(alias);
      else this.aliases.get(index)?.delete(alias);
    }
    return { acknowledged: true };
  }
}
