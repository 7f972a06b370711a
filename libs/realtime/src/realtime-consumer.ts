import { type PublicEventType, QUEUES, registerEventConsumer } from '@groundwork/platform';

/** The events real-time clients receive: every public event but those addressed to one webhook endpoint. */
export type RealtimeQueueEvent = Exclude<PublicEventType, 'webhook.ping'>;

registerEventConsumer(
  QUEUES.realtime,
  (type, definition) => definition.visibility === 'public' && type !== 'webhook.ping',
);
