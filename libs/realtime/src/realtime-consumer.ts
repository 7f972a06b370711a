import { type PublicEventType, QUEUES, registerEventConsumer } from '@groundwork/platform';

/** The events real-time clients receive: every public event but those addressed to one webhook endpoint. */
export type RealtimeQueueEvent = Exclude<PublicEventType, 'webhook.ping'>;

// `webhook.ping` is addressed to one webhook endpoint, not to the workspace's watchers.
registerEventConsumer(
  QUEUES.realtime,
  (type: string, definition) => definition.visibility === 'public' && type !== 'webhook.ping',
);
