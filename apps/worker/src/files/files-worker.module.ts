import { Module } from '@nestjs/common';
import { FileStorageModule } from '@groundwork/files';
import { QUEUES } from '@groundwork/platform';
import { QueueModule } from '@groundwork/platform/queue';
import { FilesProcessor } from './files.processor.js';

@Module({
  imports: [QueueModule.registerQueues(QUEUES.files), FileStorageModule],
  providers: [FilesProcessor],
})
export class FilesWorkerModule {}
