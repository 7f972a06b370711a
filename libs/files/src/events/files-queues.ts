import { defineQueues } from '@groundwork/platform';

/** The files context's queue (registered when the library loads). */
export const FILES_QUEUES = defineQueues({
  /**
   * Stored objects no attachment uses any more, and the objects of deleted workspaces, are
   * removed; on a schedule, staged uploads a crash left behind (FILES_STAGING_SWEEP). A store
   * that is away is retried with backoff for several minutes; removals are idempotent.
   */
  files: { concurrency: 2, attempts: 10, lockDurationMs: 60_000, stalledIntervalMs: 30_000 },
});

/** The scheduled job that removes staged uploads a crash left behind: hourly, at :17. */
export const FILES_STAGING_SWEEP = { id: 'files-staging-sweep', pattern: '17 * * * *', job: 'staging.sweep' } as const;

type FilesQueues = typeof FILES_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends FilesQueues {}
}
