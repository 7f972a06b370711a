// `@groundwork/platform/queue`: BullMQ wiring, the queue catalogue and the processor base — the
// worker's side only. A separate entry point, not part of `@groundwork/platform`, so that the
// api (which enqueues nothing: it writes outbox events, the worker's relay enqueues) never loads
// BullMQ and its dependencies (about 6 MiB of heap and 1.4 MB of code measured; docs/runtime.md).
export * from './draining-worker.host.js';
export * from './queue.catalogue.js';
export * from './queue.module.js';
export * from './redis-connection.js';
