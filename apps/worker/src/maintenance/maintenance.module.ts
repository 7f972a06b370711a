import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { IdempotencyModule, QUEUES, QueueModule } from '@groundwork/platform';
import { MaintenanceProcessor } from './maintenance.processor.js';
import { OutboxPurgeService } from './outbox-purge.service.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.maintenance), IdentityModule, IdempotencyModule],
  providers: [MaintenanceProcessor, OutboxPurgeService],
})
export class MaintenanceModule {}
