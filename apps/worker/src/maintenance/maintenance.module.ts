import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { NotificationsModule } from '@groundwork/notifications';
import { IdempotencyModule, QUEUES, QueueModule } from '@groundwork/platform';
import { WebhooksModule } from '@groundwork/webhooks';
import { WorkModule } from '@groundwork/work';
import { WorkspacesModule } from '@groundwork/workspaces';
import { DailyDigestService } from './daily-digest.service.js';
import { MaintenanceProcessor } from './maintenance.processor.js';

@Module({
  imports: [
    QueueModule.registerQueues(QUEUES.maintenance),
    IdentityModule,
    IdempotencyModule,
    NotificationsModule,
    WorkspacesModule,
    WorkModule,
    WebhooksModule,
  ],
  providers: [MaintenanceProcessor, DailyDigestService],
})
export class MaintenanceModule {}
