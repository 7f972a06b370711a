import { Module } from '@nestjs/common';
import { IdentityMails, IdentityModule } from '@groundwork/identity';
import { type EventMailPlanner, NotificationsModule } from '@groundwork/notifications';
import { QUEUES, QueueModule } from '@groundwork/platform';
import { WebhookMails, WebhooksModule } from '@groundwork/webhooks';
import { TaskMails, WorkModule } from '@groundwork/work';
import { InvitationMails, WorkspacesModule } from '@groundwork/workspaces';
import { EmailProcessor, EVENT_MAIL_PLANNERS } from './email.processor.js';

/** The email queue: each context's mail planner, and the processor that sends what they plan. */
@Module({
  imports: [
    QueueModule.registerQueues(QUEUES.email),
    IdentityModule,
    NotificationsModule,
    WorkspacesModule,
    WorkModule,
    WebhooksModule,
  ],
  providers: [
    EmailProcessor,
    {
      provide: EVENT_MAIL_PLANNERS,
      useFactory: (...planners: EventMailPlanner[]): EventMailPlanner[] => planners,
      inject: [IdentityMails, InvitationMails, TaskMails, WebhookMails],
    },
  ],
})
export class EmailModule {}
