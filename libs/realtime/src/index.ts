export * from './hub/realtime-hub.js';
export * from './realtime-consumer.js';
export * from './realtime-event.js';
export * from './realtime-event-log.js';
export * from './realtime-keys.js';
export * from './realtime-publisher.js';
export * from './realtime.module.js';
export * from './tickets/ws-tickets.service.js';
