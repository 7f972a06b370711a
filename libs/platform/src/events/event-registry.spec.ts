import { describe, expect, it } from '@jest/globals';
import { IsUUID } from 'class-validator';
import type { AppConfig } from '../config/app-config.js';
import type { QueueName } from '../queue/queue.catalogue.js';
import {
  activeEventConsumerQueues,
  consumedEventTypes,
  consumesEvent,
  eventConsumerQueues,
  idleEventConsumerQueues,
  registerEventConsumer,
} from './event-consumers.js';
import {
  defineEvent,
  defineEvents,
  DuplicateEventTypeError,
  eventDefinition,
  eventTypes,
  isEventType,
  publicEventTypes,
} from './event-registry.js';

class ThingPayload {
  @IsUUID()
  thingId!: string;
}

// The registry is the process's: this spec's module registry starts empty, and its cases build on
// one another in order, as contexts registering one after the other.
// Queue names are the contexts' (declaration merging); this spec's are its own.
const [email, realtime, webhooks, files] = ['email', 'realtime', 'webhooks', 'files'] as QueueName[];
// Conditions read the configuration; these cases only need the part they read.
const configOf = (service: AppConfig['service']) => ({ service }) as AppConfig;
const worker = configOf('worker');

describe('the event registry', () => {
  const THING_EVENTS = defineEvents({
    'thing.created': defineEvent('public', ThingPayload),
    'thing.audited': defineEvent('internal', ThingPayload, 2),
  });

  it('knows a context’s events once it defines them, with version and visibility', () => {
    expect(isEventType('thing.created')).toBe(true);
    expect(isEventType('thing.unknown')).toBe(false);
    expect(eventDefinition('thing.audited')).toEqual({
      version: 2,
      visibility: 'internal',
      broadcast: true,
      schema: ThingPayload,
    });
    expect(eventDefinition('thing.created')).toBe(THING_EVENTS['thing.created']);
  });

  it('lists types in registration order, the public ones apart', () => {
    defineEvents({ 'gadget.created': defineEvent('public', ThingPayload) });
    expect(eventTypes()).toEqual(['thing.created', 'thing.audited', 'gadget.created']);
    expect(publicEventTypes()).toEqual(['thing.created', 'gadget.created']);
  });

  it('accepts the same definitions again (a library loaded twice) but not a second owner of a name', () => {
    expect(() => defineEvents(THING_EVENTS)).not.toThrow();
    expect(() => defineEvents({ 'thing.created': defineEvent('public', ThingPayload) })).toThrow(
      DuplicateEventTypeError,
    );
  });

  it('broadcasts public events unless their context says otherwise', () => {
    const ADDRESSED = defineEvents({ 'thing.pinged': defineEvent('public', ThingPayload, 1, { broadcast: false }) });

    expect(ADDRESSED['thing.pinged'].broadcast).toBe(false);
    expect(eventDefinition('thing.created')?.broadcast).toBe(true);
  });

  it('routes events to the queues subscribed by name or by rule, evaluated over every registered event', () => {
    registerEventConsumer(email, ['thing.audited'] as never);
    registerEventConsumer(realtime, (_type, definition) => definition.visibility === 'public');
    // Registered after the rule: a rule sees every event, whenever it was defined.
    defineEvents({ 'widget.created': defineEvent('public', ThingPayload) });

    expect(eventConsumerQueues()).toEqual(['email', 'realtime']);
    expect(consumedEventTypes(email)).toEqual(['thing.audited']);
    expect(consumedEventTypes(realtime)).toEqual(['thing.created', 'gadget.created', 'thing.pinged', 'widget.created']);
    expect(consumesEvent(webhooks, 'thing.created', worker)).toBe(false);
    expect(consumesEvent(realtime, 'thing.unknown', worker)).toBe(false);
    expect(consumesEvent(realtime, 'thing.created', worker)).toBe(true);
  });

  it('subscribes a queue only under the configurations its condition accepts; with none, the queue is idle', () => {
    registerEventConsumer(files, ['thing.created'] as never, { when: (config) => config.service === 'worker' });
    // A second subscription of a queue that already receives events unconditionally.
    registerEventConsumer(email, ['thing.created'] as never, { when: (config) => config.service === 'worker' });
    const api = configOf('api');

    expect(eventConsumerQueues()).toEqual(['email', 'realtime', 'files']);
    expect(activeEventConsumerQueues(worker)).toEqual(['email', 'realtime', 'files']);
    expect(activeEventConsumerQueues(api)).toEqual(['email', 'realtime']);
    expect(idleEventConsumerQueues(worker)).toEqual([]);
    expect(idleEventConsumerQueues(api)).toEqual(['files']);
    expect(consumesEvent(files, 'thing.created', worker)).toBe(true);
    expect(consumesEvent(files, 'thing.created', api)).toBe(false);
    expect(consumesEvent(email, 'thing.created', api)).toBe(false);
    expect(consumesEvent(email, 'thing.audited', api)).toBe(true);
    // What a processor must handle: every event it may receive, whatever the configuration.
    expect(consumedEventTypes(files)).toEqual(['thing.created']);
    expect(consumedEventTypes(email)).toEqual(['thing.created', 'thing.audited']);
  });
});
