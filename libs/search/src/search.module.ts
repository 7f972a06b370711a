import { Module } from '@nestjs/common';
import { FlagsModule } from '@groundwork/flags';
import { AppConfig, PrismaService } from '@groundwork/platform';
import { ElasticsearchConnection } from './elasticsearch/elasticsearch-connection.js';
import { ElasticsearchSearchEngine } from './elasticsearch/elasticsearch-search.engine.js';
import { SearchEngine } from './ports/search-engine.js';
import { PostgresSearchEngine } from './postgres/postgres-search.engine.js';
import { SearchIndexing } from './search-indexing.js';
import { SearchService } from './search.service.js';

/**
 * The search context. SEARCH_DRIVER picks the engine behind the SearchEngine port: `postgres`
 * (full-text search in the application database, nothing to install) or `elasticsearch`.
 */
@Module({
  imports: [FlagsModule],
  providers: [
    ElasticsearchConnection,
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
  providers: [ElasticsearchConnection, SearchIndexing],
  exports: [SearchIndexing],
})
export class SearchIndexingModule {}
