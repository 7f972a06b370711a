import { Module } from '@nestjs/common';
import { FilesModule } from '@groundwork/files';
import { QUEUES, QueueModule } from '@groundwork/platform';
import { FilesProcessor } from './files.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.files), FilesModule],
  providers: [FilesProcessor],
})
export class FilesWorkerModule {}
