import { Module } from '@nestjs/common';
import { QUEUES } from '@groundwork/platform';
import { QueueModule } from '@groundwork/platform/queue';
import { RealtimeProcessor } from './realtime.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.realtime)],
  providers: [RealtimeProcessor],
})
export class RealtimeWorkerModule {}
