import {
  CommentPayload,
  InvitationCreatedPayload,
  MemberAddedPayload,
  MemberRemovedPayload,
  MemberRoleChangedPayload,
  ProjectCreatedPayload,
  ProjectDeletedPayload,
  ProjectUpdatedPayload,
  TaskAssignedPayload,
  TaskCreatedPayload,
  TaskDeletedPayload,
  TaskRestoredPayload,
  TaskStatusChangedPayload,
  TaskUpdatedPayload,
  UserDeletedPayload,
  UserEmailVerifiedPayload,
  UserPasswordResetRequestedPayload,
  UserRegisteredPayload,
  UserRegistrationRepeatedPayload,
  WebhookDisabledPayload,
  WebhookPingPayload,
  WebhookRedeliveryRequestedPayload,
  WorkspaceCreatedPayload,
  WorkspaceDeletedPayload,
  WorkspaceUpdatedPayload,
} from './event-payloads.js';

export type EventVisibility = 'public' | 'internal';

interface EventDefinition<P, V extends EventVisibility = EventVisibility> {
  version: number;
  /** `public` events may reach webhooks, SSE and WebSocket clients; `internal` ones stay in the worker. */
  visibility: V;
  schema: new () => P;
}

function define<V extends EventVisibility, P>(visibility: V, schema: new () => P, version = 1): EventDefinition<P, V> {
  return { version, visibility, schema };
}

/** Every event type of the product (DESIGN.md, Events): its version, visibility and payload schema. */
export const EVENT_CATALOGUE = {
  'user.registered': define('internal', UserRegisteredPayload),
  'user.registration_repeated': define('internal', UserRegistrationRepeatedPayload),
  'user.email_verified': define('internal', UserEmailVerifiedPayload),
  'user.password_reset_requested': define('internal', UserPasswordResetRequestedPayload),
  'user.deleted': define('internal', UserDeletedPayload),
  'member.added': define('public', MemberAddedPayload),
  'member.removed': define('public', MemberRemovedPayload),
  'member.role_changed': define('public', MemberRoleChangedPayload),
  'invitation.created': define('internal', InvitationCreatedPayload),
  'workspace.created': define('public', WorkspaceCreatedPayload),
  'workspace.updated': define('public', WorkspaceUpdatedPayload),
  'workspace.deleted': define('public', WorkspaceDeletedPayload),
  'project.created': define('public', ProjectCreatedPayload),
  'project.updated': define('public', ProjectUpdatedPayload),
  'project.deleted': define('public', ProjectDeletedPayload),
  'task.created': define('public', TaskCreatedPayload),
  'task.updated': define('public', TaskUpdatedPayload),
  'task.status_changed': define('public', TaskStatusChangedPayload),
  'task.assigned': define('public', TaskAssignedPayload),
  'task.deleted': define('public', TaskDeletedPayload),
  'task.restored': define('public', TaskRestoredPayload),
  'comment.created': define('public', CommentPayload),
  'comment.updated': define('public', CommentPayload),
  'comment.deleted': define('public', CommentPayload),
  // Addressed to one endpoint (data.webhookId): webhooks deliver it only there, real-time skips it.
  'webhook.ping': define('public', WebhookPingPayload),
  'webhook.disabled': define('internal', WebhookDisabledPayload),
  'webhook.redelivery_requested': define('internal', WebhookRedeliveryRequestedPayload),
} as const;

export type EventType = keyof typeof EVENT_CATALOGUE;

/** The event types that may leave the system (webhooks, SSE, WebSocket). */
export type PublicEventType = {
  [K in EventType]: (typeof EVENT_CATALOGUE)[K]['visibility'] extends 'public' ? K : never;
}[EventType];

export const PUBLIC_EVENT_TYPES: readonly PublicEventType[] = (Object.keys(EVENT_CATALOGUE) as EventType[]).filter(
  (type): type is PublicEventType => EVENT_CATALOGUE[type].visibility === 'public',
);

export type EventPayload<T extends EventType> =
  (typeof EVENT_CATALOGUE)[T] extends EventDefinition<infer P> ? P : never;

/** The envelope as consumers receive it (an outbox row, serialised). */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  visibility: EventVisibility;
  workspaceId: string | null;
  actorId: string | null;
  occurredAt: string;
  data: EventPayload<T>;
  requestId: string | null;
  /** The W3C trace context of the unit of work that wrote the event. */
  traceparent: string | null;
  tracestate: string | null;
}

/** The envelope of any of the given types, as a union a `switch (event.type)` narrows. */
export type EventEnvelopeOf<T extends EventType> = { [K in T]: EventEnvelope<K> }[T];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, value);
}
