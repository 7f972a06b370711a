import { Module } from '@nestjs/common';
import { FileStorageModule } from '@groundwork/files';
import { QueueModule } from '@groundwork/platform/queue';
import { FilesProcessor } from './files.processor.js';

@Module({
  imports: [QueueModule.registerQueues('files'), FileStorageModule],
  providers: [FilesProcessor],
})
export class FilesWorkerModule {}
