import { Module } from '@nestjs/common';
import { QueueModule } from '@groundwork/platform/queue';
import { SearchIndexingModule } from '@groundwork/search';
import { SearchIndexProcessor } from './search-index.processor.js';

@Module({
  imports: [QueueModule.registerQueues('search-index'), SearchIndexingModule],
  providers: [SearchIndexProcessor],
})
export class SearchWorkerModule {}
