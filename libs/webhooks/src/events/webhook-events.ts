import { IsInt, IsUUID, Min } from 'class-validator';
import {
  defineEvent,
  defineEvents,
  type EventType,
  type PublicEventType,
  registerEventConsumer,
} from '@groundwork/platform';
import './webhook-queues.js';

/** `POST .../webhooks/{webhookId}/ping`: a test delivery to that one endpoint. */
export class WebhookPingPayload {
  @IsUUID()
  webhookId!: string;
}

/** An endpoint was disabled after too many consecutive failed deliveries (its admins are mailed). */
export class WebhookDisabledPayload {
  @IsUUID()
  webhookId!: string;

  @IsInt()
  @Min(1)
  consecutiveFailures!: number;
}

/** An admin asked to re-send one delivery (`POST .../deliveries/{deliveryId}/redeliver`). */
export class WebhookRedeliveryRequestedPayload {
  @IsUUID()
  deliveryId!: string;
}

/** The webhooks context's events (registered when the library loads). */
export const WEBHOOK_EVENTS = defineEvents({
  // Addressed to one endpoint (data.webhookId): webhooks deliver it only there, and it is not
  // broadcast to the workspace's real-time clients.
  'webhook.ping': defineEvent('public', WebhookPingPayload, 1, { broadcast: false }),
  'webhook.disabled': defineEvent('internal', WebhookDisabledPayload),
  'webhook.redelivery_requested': defineEvent('internal', WebhookRedeliveryRequestedPayload),
});

type WebhookEvents = typeof WEBHOOK_EVENTS;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface EventCatalogue extends WebhookEvents {}
}

/** The events the webhooks queue receives: every public event (of any context) and redelivery requests. */
export type WebhookQueueEvent = PublicEventType | 'webhook.redelivery_requested';

registerEventConsumer(
  'webhooks',
  (type: EventType, definition) => definition.visibility === 'public' || type === 'webhook.redelivery_requested',
);

/** The webhooks events that mail someone (the managers of a disabled endpoint). */
export const WEBHOOK_MAILED_EVENTS = ['webhook.disabled'] as const satisfies readonly (keyof WebhookEvents)[];

registerEventConsumer('email', WEBHOOK_MAILED_EVENTS);
