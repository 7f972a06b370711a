import { Global, Module } from '@nestjs/common';
import { OutboxPurgeService } from './outbox-purge.js';
import { OutboxService } from './outbox.service.js';

@Global()
@Module({
  providers: [OutboxService, OutboxPurgeService],
  exports: [OutboxService, OutboxPurgeService],
})
export class EventsModule {}
