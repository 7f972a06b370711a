// The contexts this app runs: the one list of this app a new context is added to (besides its
// folder of routes, src/<context>/, and its <Context>HttpModule in api.module.ts). Loading a
// context's library registers what it declares — its events (`defineEvents`), its queues and
// the events they receive (`defineQueues`, `registerEventConsumer`) and its configuration slice
// (`defineConfig`) — so this file is imported first: before the configuration is loaded and
// validated, and wherever the whole catalogue is read while modules load (the webhooks DTO
// lists the public events in the OpenAPI document).
import '@groundwork/notifications';
import '@groundwork/identity';
import '@groundwork/workspaces';
import '@groundwork/work';
import '@groundwork/webhooks';
import '@groundwork/realtime';
import '@groundwork/flags';
import '@groundwork/files';
import '@groundwork/search';

export { publicEventTypes } from '@groundwork/platform';
