import { Module } from '@nestjs/common';
import { AppConfig } from '@groundwork/platform';
import { WorkModule } from '@groundwork/work';
import { AttachmentsService } from './attachments/attachments.service.js';
import { StoredObjects } from './attachments/stored-objects.js';
import { ObjectStorage } from './ports/object-storage.js';
import { createObjectStorage } from './storage/object-storage.factory.js';

/**
 * The files context: task attachments and the objects that hold their bytes, behind the
 * `ObjectStorage` port (local disk or S3, by STORAGE_DRIVER). It asks the work context
 * whether a task is live; nothing imports it but the apps.
 */
@Module({
  imports: [WorkModule],
  providers: [
    {
      provide: ObjectStorage,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createObjectStorage(config.storage),
    },
    StoredObjects,
    AttachmentsService,
  ],
  exports: [ObjectStorage, StoredObjects, AttachmentsService],
})
export class FilesModule {}
