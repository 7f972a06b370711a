import type { AppConfig } from '../config/app-config.js';
import type { JobContext } from '../queue/draining-worker.host.js';
import type { QueueName } from '../queue/queue.catalogue.js';
import {
  type EventDefinition,
  type EventEnvelopeOf,
  type EventType,
  eventDefinition,
  eventTypes,
} from './event-registry.js';

/** The data of a job that hands one outbox event to one consumer queue (job name = event type). */
export interface EventJob<T extends EventType = EventType> {
  event: EventEnvelopeOf<T>;
  context: JobContext;
}

/**
 * Which events a consumer queue receives: named types, or a rule over every registered event
 * (for consumers of other contexts' events, such as "every public event").
 */
export type EventSelection = readonly EventType[] | ((type: EventType, definition: EventDefinition) => boolean);

export interface EventConsumerOptions {
  /**
   * The subscription holds only under configurations for which this is true (default: all),
   * for a consumer that has work only with some setting. When none of a queue's subscriptions
   * holds, the relay enqueues nothing for it and its worker does not start: a queue subscribed
   * under a condition receives events and nothing else.
   */
  when?: (config: AppConfig) => boolean;
}

interface Subscription {
  selection: EventSelection;
  when: ((config: AppConfig) => boolean) | undefined;
}

const subscriptions = new Map<QueueName, Subscription[]>();

/**
 * Subscribes a consumer queue to events. The context that owns the consumer calls it when its
 * library loads; a queue may be subscribed by several contexts (each names its own events).
 * Rules and conditions are evaluated when asked, once every context has registered its events
 * and the configuration is loaded.
 */
export function registerEventConsumer(
  queue: QueueName,
  selection: EventSelection,
  options: EventConsumerOptions = {},
): void {
  subscriptions.set(queue, [...(subscriptions.get(queue) ?? []), { selection, when: options.when }]);
}

/** Every queue some context subscribed to events, under any configuration (the relay's producers). */
export function eventConsumerQueues(): QueueName[] {
  return [...subscriptions.keys()];
}

function holds(subscription: Subscription, config: AppConfig): boolean {
  return subscription.when === undefined || subscription.when(config);
}

/** The consumer queues with a subscription that holds under this configuration. */
export function activeEventConsumerQueues(config: AppConfig): QueueName[] {
  return eventConsumerQueues().filter((queue) => subscriptions.get(queue)?.some((s) => holds(s, config)));
}

/**
 * Consumer queues none of whose subscriptions holds under this configuration: they receive no
 * job, so no worker runs for them.
 */
export function idleEventConsumerQueues(config: AppConfig): QueueName[] {
  const active = new Set(activeEventConsumerQueues(config));
  return eventConsumerQueues().filter((queue) => !active.has(queue));
}

function selects(selection: EventSelection, type: string, definition: EventDefinition): boolean {
  return typeof selection === 'function'
    ? selection(type as EventType, definition)
    : (selection as readonly string[]).includes(type);
}

/** Whether one of the queue's subscriptions that `counts` selects events of this type. */
function subscribed(queue: QueueName, type: string, counts: (subscription: Subscription) => boolean): boolean {
  const definition = eventDefinition(type);
  if (definition === undefined) return false;
  return (subscriptions.get(queue) ?? []).some((s) => counts(s) && selects(s.selection, type, definition));
}

/** Whether the queue receives events of this type under this configuration. */
export function consumesEvent(queue: QueueName, type: string, config: AppConfig): boolean {
  return subscribed(queue, type, (s) => holds(s, config));
}

/**
 * The registered event types a queue receives under some configuration, in registration order
 * (what its processor must be able to handle).
 */
export function consumedEventTypes(queue: QueueName): EventType[] {
  return eventTypes().filter((type) => subscribed(queue, type, () => true));
}
