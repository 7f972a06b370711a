// `@groundwork/platform/queue`: what loads BullMQ at run time — the queue module, the processor
// base and the outbox relay (the producer of every consumer queue) — the worker's side only. A
// separate entry point, not part of `@groundwork/platform`, so that the api (which enqueues
// nothing: it writes outbox events, the worker's relay enqueues) never loads BullMQ and its
// dependencies (docs/runtime.md has the figures). The queue catalogue (names, policies, job
// options) stays in `@groundwork/platform`: the contexts name their consumer queues with it.
export * from './draining-worker.host.js';
export * from './queue.module.js';
export * from './queue-workers.js';
export * from '../events/outbox-relay.js';
export * from '../events/outbox-relay.module.js';
