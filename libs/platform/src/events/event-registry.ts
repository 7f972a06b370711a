import { NameRegistry } from '../registry/name-registry.js';

/**
 * The mechanism of the event catalogue. The platform knows no event type: each bounded context
 * declares its own events with `defineEvents` (which registers them when the context's library
 * is loaded) and adds them to `EventCatalogue` by declaration merging, so producers and
 * consumers stay typed by name while a new context never edits the platform.
 */

export type EventVisibility = 'public' | 'internal';

/** One event type: its payload schema (a class-validator class, checked at publish time). */
export interface EventDefinition<
  P extends object = object,
  V extends EventVisibility = EventVisibility,
  B extends boolean = boolean,
> {
  version: number;
  /** `public` events may reach webhooks, SSE and WebSocket clients; `internal` ones stay in the worker. */
  visibility: V;
  /**
   * Whether a public event is broadcast to the real-time clients of its workspace: `false` for
   * one addressed to a single recipient (a webhook endpoint's test ping), which no watcher wants.
   */
  broadcast: B;
  schema: new () => P;
}

export interface EventOptions<B extends boolean> {
  /** Default true; see `EventDefinition.broadcast`. */
  broadcast?: B;
}

export function defineEvent<V extends EventVisibility, P extends object, const B extends boolean = true>(
  visibility: V,
  schema: new () => P,
  version = 1,
  options: EventOptions<B> = {},
): EventDefinition<P, V, B> {
  return { version, visibility, broadcast: options.broadcast ?? (true as B), schema };
}

/**
 * Every event type of the product, as types: empty here, extended by each context with
 * `declare module '@groundwork/platform' { interface EventCatalogue extends MyContextEvents {} }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface EventCatalogue {}

export type EventType = keyof EventCatalogue & string;

/** The event types that may leave the system (webhooks, SSE, WebSocket). */
export type PublicEventType = {
  [K in EventType]: EventCatalogue[K] extends EventDefinition<object, 'public'> ? K : never;
}[EventType];

/** The public event types broadcast to real-time clients (`broadcast` not false). */
export type BroadcastEventType = {
  [K in PublicEventType]: EventCatalogue[K] extends EventDefinition<object, 'public', false> ? never : K;
}[PublicEventType];

export type EventPayload<T extends EventType> = EventCatalogue[T] extends EventDefinition<infer P> ? P : never;

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

/** Two contexts claiming one event type name: a wiring bug, reported when the second loads. */
export class DuplicateEventTypeError extends Error {
  constructor(type: string) {
    super(`event type ${type} is defined twice`);
    this.name = 'DuplicateEventTypeError';
  }
}

/** In registration order: the order the contexts' libraries load in, then declaration order. */
const registered = new NameRegistry<EventDefinition>((type) => new DuplicateEventTypeError(type));

/**
 * Registers a context's events (name → definition) and returns them as given, so the context
 * can derive its `EventCatalogue` entries from the same object: `typeof MY_EVENTS`.
 */
export function defineEvents<const C extends Record<string, EventDefinition>>(events: C): C {
  registered.addAll(events);
  return events;
}

export function eventDefinition(type: string): EventDefinition | undefined {
  return registered.get(type);
}

export function isEventType(value: string): value is EventType {
  return registered.has(value);
}

/** Every registered event type, in registration order. */
export function eventTypes(): EventType[] {
  return registered.names() as EventType[];
}

/** The registered event types that may leave the system, in registration order. */
export function publicEventTypes(): PublicEventType[] {
  return registered
    .all()
    .filter(([, d]) => d.visibility === 'public')
    .map(([type]) => type as PublicEventType);
}
