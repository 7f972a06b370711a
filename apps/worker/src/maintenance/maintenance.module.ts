import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { NotificationsModule } from '@groundwork/notifications';
import { IdempotencyModule } from '@groundwork/platform';
import { QueueModule } from '@groundwork/platform/queue';
import { WebhooksModule } from '@groundwork/webhooks';
import { WorkModule } from '@groundwork/work';
import { DailyDigestService } from './daily-digest.service.js';
import { MaintenanceProcessor } from './maintenance.processor.js';

@Module({
  imports: [
    QueueModule.registerQueues('maintenance'),
    IdentityModule,
    IdempotencyModule,
    NotificationsModule,
    WorkModule,
    WebhooksModule,
  ],
  providers: [MaintenanceProcessor, DailyDigestService],
})
export class MaintenanceModule {}
