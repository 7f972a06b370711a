// The contexts whose events this app handles. Loading a context's library registers its events
// (`defineEvents`), so this file is imported first wherever the whole catalogue is read while
// modules load (the webhooks DTO lists the public events in the OpenAPI document).
import '@groundwork/identity';
import '@groundwork/workspaces';
import '@groundwork/work';
import '@groundwork/webhooks';
import '@groundwork/realtime';

export { publicEventTypes } from '@groundwork/platform';
