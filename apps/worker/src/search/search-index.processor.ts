import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { type EventJob, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { type SearchIndexEvent, SearchIndexing } from '@groundwork/search';

/**
 * Keeps the search index current from the outbox. Runs only with SEARCH_DRIVER=elasticsearch:
 * with PostgreSQL the queue is not subscribed and QueueWorkers leaves it stopped. An engine that is away fails the job, which BullMQ retries with backoff; every
 * write is idempotent and ordered by the document's version.
 */
@Processor('search-index', workerOptions('search-index'))
export class SearchIndexProcessor extends DrainingWorkerHost<EventJob<SearchIndexEvent>> {
  constructor(private readonly indexing: SearchIndexing) {
    super();
  }

  protected handle(job: Job<EventJob<SearchIndexEvent>>): Promise<string> {
    return this.indexing.handle(job.data.event);
  }
}
