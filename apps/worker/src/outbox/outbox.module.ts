import { Module } from '@nestjs/common';
import { EVENT_SUBSCRIPTIONS, type EventConsumerQueue, QueueModule } from '@groundwork/platform/queue';
import { OutboxRelay } from './outbox-relay.service.js';

@Module({
  imports: [QueueModule.registerQueues(...(Object.keys(EVENT_SUBSCRIPTIONS) as EventConsumerQueue[]))],
  providers: [OutboxRelay],
  exports: [OutboxRelay],
})
export class OutboxModule {}
