import { Module } from '@nestjs/common';
import { FlagsModule } from '@groundwork/flags';
import { AppConfig, PrismaService } from '@groundwork/platform';
import { ElasticsearchConnection } from './elasticsearch/elasticsearch-connection.js';
import { ElasticsearchSearchEngine } from './elasticsearch/elasticsearch-search.engine.js';
import { SearchEngine } from './ports/search-engine.js';
import { PostgresSearchEngine } from './postgres/postgres-search.engine.js';
import { SearchIndexing } from './search-indexing.js';
import { SearchService } from './search.service.js';

/** This process's Elasticsearch connection (no client at all unless SEARCH_DRIVER=elasticsearch). */
const ELASTICSEARCH_CONNECTION = {
  provide: ElasticsearchConnection,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => ElasticsearchConnection.open(config.search),
};

/**
 * The search context. SEARCH_DRIVER picks the engine behind the SearchEngine port: `postgres`
 * (full-text search in the application database, nothing to install) or `elasticsearch`.
 */
@Module({
  imports: [FlagsModule],
  providers: [
    ELASTICSEARCH_CONNECTION,
    {
      provide: SearchEngine,
      inject: [AppConfig, PrismaService, ElasticsearchConnection],
      useFactory: (config: AppConfig, prisma: PrismaService, elasticsearch: ElasticsearchConnection): SearchEngine => {
        switch (config.search.driver) {
          case 'postgres':
            return new PostgresSearchEngine(prisma);
          case 'elasticsearch':
            return new ElasticsearchSearchEngine(elasticsearch.client, elasticsearch.alias);
        }
      },
    },
    SearchService,
  ],
  exports: [SearchService, SearchEngine],
})
export class SearchModule {}

/** The worker's side of search: the outbox consumer that keeps an Elasticsearch index current. */
@Module({
  providers: [ELASTICSEARCH_CONNECTION, SearchIndexing],
  exports: [SearchIndexing],
})
export class SearchIndexingModule {}
