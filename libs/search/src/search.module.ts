import { Module } from '@nestjs/common';
import { FlagsModule } from '@groundwork/flags';
import { AppConfig, PrismaService } from '@groundwork/platform';
import { SearchEngine } from './ports/search-engine.js';
import { PostgresSearchEngine } from './postgres/postgres-search.engine.js';
import { SearchService } from './search.service.js';

/**
 * The search context. SEARCH_DRIVER picks the engine behind the SearchEngine port; this build
 * has one, `postgres` (full-text search in the application database, nothing to install).
 */
@Module({
  imports: [FlagsModule],
  providers: [
    {
      provide: SearchEngine,
      inject: [AppConfig, PrismaService],
      useFactory: (config: AppConfig, prisma: PrismaService): SearchEngine => {
        switch (config.search.driver) {
          case 'postgres':
            return new PostgresSearchEngine(prisma);
        }
      },
    },
    SearchService,
  ],
  exports: [SearchService, SearchEngine],
})
export class SearchModule {}
