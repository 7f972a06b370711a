import { Module } from '@nestjs/common';
import { QueueModule } from '@groundwork/platform/queue';
import { RealtimeProcessor } from './realtime.processor.js';

@Module({
  imports: [QueueModule.registerQueues('realtime')],
  providers: [RealtimeProcessor],
})
export class RealtimeWorkerModule {}
