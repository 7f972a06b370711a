import { Module } from '@nestjs/common';
import { FilesModule } from '@groundwork/files';
import { AttachmentsController } from './attachments.controller.js';
import { UploadIdentity } from './upload-identity.js';

/** The HTTP edge of the files context: task attachments. */
@Module({
  imports: [FilesModule],
  controllers: [AttachmentsController],
  providers: [UploadIdentity],
})
export class FilesHttpModule {}
