import { type BroadcastEventType, defineQueues, registerEventConsumer } from '@groundwork/platform';

/** The real-time context's queue (registered when the library loads). */
export const REALTIME_QUEUES = defineQueues({
  /**
   * One job per broadcast event: appends it to its workspace's event log and publishes it to
   * the api instances. One at a time keeps each workspace's event log in commit order.
   */
  realtime: { concurrency: 1, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
});

type RealtimeQueues = typeof REALTIME_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends RealtimeQueues {}
}

/** The events real-time clients receive: every public event its context declares as broadcast. */
export type RealtimeQueueEvent = BroadcastEventType;

registerEventConsumer('realtime', (_type, definition) => definition.visibility === 'public' && definition.broadcast);
