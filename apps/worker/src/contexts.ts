// The contexts this app runs: the one file of the worker a new context is added to. Loading a
// context's library registers what it declares — its events (`defineEvents`), its queues and
// the events they receive (`defineQueues`, `registerEventConsumer`) and its configuration slice
// (`defineConfig`) — so this file is imported first: by the worker module, so the relay's
// queues are known when it is assembled, and by every CLI before it loads the configuration.
import '@groundwork/notifications';
import { IdentityMails, IdentityModule } from '@groundwork/identity';
import { InvitationMails, WorkspacesModule } from '@groundwork/workspaces';
import { TaskMails, WorkModule } from '@groundwork/work';
import { WebhookMails, WebhooksModule } from '@groundwork/webhooks';
import '@groundwork/realtime';
import '@groundwork/flags';
import '@groundwork/files';
import '@groundwork/search';
import './maintenance/maintenance.queue.js'; // the worker's own queue: the schedules

/**
 * Each context's EventMailPlanner (for the events it subscribed the email queue to), with the
 * module that provides it: the email queue's processor sends what they plan, and refuses to
 * start while an event the queue receives has no planner here.
 */
export const MAIL_PLANNERS = [
  { module: IdentityModule, planner: IdentityMails },
  { module: WorkspacesModule, planner: InvitationMails },
  { module: WorkModule, planner: TaskMails },
  { module: WebhooksModule, planner: WebhookMails },
] as const;
