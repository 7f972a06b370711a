import { Module } from '@nestjs/common';
import { QUEUES, QueueModule } from '@groundwork/platform';
import { MaintenanceProcessor } from './maintenance.processor.js';
import { OutboxPurgeService } from './outbox-purge.service.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.maintenance)],
  providers: [MaintenanceProcessor, OutboxPurgeService],
})
export class MaintenanceModule {}
