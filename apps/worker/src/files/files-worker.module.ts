import { Module } from '@nestjs/common';
import { FileStorageModule } from '@groundwork/files';
import { QUEUES, QueueModule } from '@groundwork/platform';
import { FilesProcessor } from './files.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.files), FileStorageModule],
  providers: [FilesProcessor],
})
export class FilesWorkerModule {}
