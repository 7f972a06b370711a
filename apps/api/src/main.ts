import { startTracing } from '@groundwork/platform/tracing';

// Tracing first (when configured): its instrumentations patch http, pg, ioredis and undici as
// they load, so the application is imported only once it runs.
await startTracing('api');
await import('./serve.js');
