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

const selections = new Map<QueueName, EventSelection[]>();

/**
 * Subscribes a consumer queue to events. The context that owns the consumer calls it when its
 * library loads; a queue may be subscribed by several contexts (each names its own events).
 * Rules are evaluated when the relay asks, once every context has registered its events.
 */
export function registerEventConsumer(queue: QueueName, selection: EventSelection): void {
  selections.set(queue, [...(selections.get(queue) ?? []), selection]);
}

/** Every queue some context subscribed to events. */
export function eventConsumerQueues(): QueueName[] {
  return [...selections.keys()];
}

/** Whether the queue receives events of this type. */
export function consumesEvent(queue: QueueName, type: string): boolean {
  const definition = eventDefinition(type);
  if (definition === undefined) return false;
  return (selections.get(queue) ?? []).some((selection) =>
    typeof selection === 'function'
      ? selection(type as EventType, definition)
      : (selection as readonly string[]).includes(type),
  );
}

/** The registered event types a queue receives, in registration order. */
export function consumedEventTypes(queue: QueueName): EventType[] {
  return eventTypes().filter((type) => consumesEvent(queue, type));
}
