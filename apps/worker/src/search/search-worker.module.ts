import { Module } from '@nestjs/common';
import { QUEUES } from '@groundwork/platform';
import { QueueModule } from '@groundwork/platform/queue';
import { SearchIndexingModule } from '@groundwork/search';
import { SearchIndexProcessor } from './search-index.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.searchIndex), SearchIndexingModule],
  providers: [SearchIndexProcessor],
})
export class SearchWorkerModule {}
