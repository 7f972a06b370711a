import { startTracing } from '@groundwork/platform/tracing';

// Tracing first (when configured): its instrumentations patch http, pg and ioredis as they
// load, so the worker is imported only once it runs.
await startTracing('worker');
await import('./serve.js');
