import { defineQueues } from '@groundwork/platform';

/** The search context's queue (registered when the library loads). */
export const SEARCH_QUEUES = defineQueues({
  /**
   * One job per task, comment, project or workspace event: brings the Elasticsearch documents it
   * concerns up to date. Subscribed only with SEARCH_DRIVER=elasticsearch: the PostgreSQL
   * engine's vectors are written with the rows, so with it the queue gets no job. Order between concurrent jobs is kept by each document's version (external
   * versioning), so jobs may run in parallel; an engine that is away is retried with backoff.
   */
  'search-index': { concurrency: 5, attempts: 10, lockDurationMs: 30_000, stalledIntervalMs: 15_000 },
});

type SearchQueues = typeof SEARCH_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends SearchQueues {}
}
