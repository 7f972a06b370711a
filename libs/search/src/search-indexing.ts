import { Injectable } from '@nestjs/common';
import { AppConfig, DistributedLock, type EventEnvelopeOf, PrismaService, RedisService } from '@groundwork/platform';
import { ElasticsearchConnection } from './elasticsearch/elasticsearch-connection.js';
import { ElasticsearchIndexer } from './elasticsearch/elasticsearch-indexer.js';
import { ElasticsearchIndexes } from './elasticsearch/elasticsearch-indexes.js';
import { SearchDocuments } from './elasticsearch/search-documents.js';
import type { SearchIndexEvent } from './events/search-index-events.js';

/**
 * The search context's outbox consumer (queue `search-index`): brings the event's Elasticsearch
 * documents up to date. With PostgreSQL the queue is not subscribed (search-index-events.ts) —
 * the vectors are written by triggers in the transaction that writes the row — so a job reaches
 * it only if left in the queue from a run with Elasticsearch, and is dropped.
 */
@Injectable()
export class SearchIndexing {
  private readonly indexer: ElasticsearchIndexer | undefined;

  constructor(config: AppConfig, prisma: PrismaService, redis: RedisService, connection: ElasticsearchConnection) {
    switch (config.search.driver) {
      case 'postgres':
        this.indexer = undefined;
        break;
      case 'elasticsearch':
        this.indexer = new ElasticsearchIndexer(
          new SearchDocuments(prisma),
          new ElasticsearchIndexes(connection.client, connection.alias, new DistributedLock(redis.client)),
          config.search.language,
        );
        break;
    }
  }

  async handle(event: EventEnvelopeOf<SearchIndexEvent>): Promise<string> {
    if (this.indexer === undefined) return 'skipped: PostgreSQL keeps its vectors in the writing transaction';
    return this.indexer.apply(event);
  }
}
