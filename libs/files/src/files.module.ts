import { Module } from '@nestjs/common';
import { FlagsModule } from '@groundwork/flags';
import { AppConfig } from '@groundwork/platform';
import { WorkModule } from '@groundwork/work';
import { AttachmentsService } from './attachments/attachments.service.js';
import { StoredObjects } from './attachments/stored-objects.js';
import { ObjectStorage } from './ports/object-storage.js';
import { createObjectStorage } from './storage/object-storage.factory.js';
import { StorageProbe } from './storage/storage.probe.js';

/**
 * The objects and their bookkeeping, behind the `ObjectStorage` port (local disk or S3, by
 * STORAGE_DRIVER): what the worker needs to remove objects nothing uses.
 */
@Module({
  providers: [
    {
      provide: ObjectStorage,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createObjectStorage(config.storage),
    },
    StoredObjects,
    StorageProbe,
  ],
  exports: [ObjectStorage, StoredObjects],
})
export class FileStorageModule {}

/**
 * The files context: task attachments and the objects that hold their bytes. It asks the work
 * context whether a task is live and the flags context whether uploads are on; nothing
 * imports it but the apps.
 */
@Module({
  imports: [FileStorageModule, WorkModule, FlagsModule],
  providers: [AttachmentsService],
  exports: [FileStorageModule, AttachmentsService],
})
export class FilesModule {}
