import { Module } from '@nestjs/common';
import { QUEUES, QueueModule } from '@groundwork/platform';
import { RealtimeProcessor } from './realtime.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.realtime)],
  providers: [RealtimeProcessor],
})
export class RealtimeWorkerModule {}
