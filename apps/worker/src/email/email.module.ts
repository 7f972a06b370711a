import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { NotificationsModule } from '@groundwork/notifications';
import { QUEUES, QueueModule } from '@groundwork/platform/queue';
import { WebhooksModule } from '@groundwork/webhooks';
import { WorkModule } from '@groundwork/work';
import { WorkspacesModule } from '@groundwork/workspaces';
import { EmailProcessor } from './email.processor.js';

@Module({
  imports: [
    QueueModule.registerQueues(QUEUES.email),
    IdentityModule,
    NotificationsModule,
    WorkspacesModule,
    WorkModule,
    WebhooksModule,
  ],
  providers: [EmailProcessor],
})
export class EmailModule {}
