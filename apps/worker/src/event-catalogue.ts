// The contexts whose events and consumers this app handles. Loading a context's library
// registers its events (`defineEvents`) and the queues it subscribes (`registerEventConsumer`);
// imported first by the worker module, so the relay's queues are known when it is assembled.
import '@groundwork/identity';
import '@groundwork/workspaces';
import '@groundwork/work';
import '@groundwork/webhooks';
import '@groundwork/realtime';
import '@groundwork/files';
import '@groundwork/search';
