import { Module } from '@nestjs/common';
import { FilesModule } from '@groundwork/files';
import { AttachmentsController } from './attachments.controller.js';

/** The HTTP edge of the files context: task attachments. */
@Module({
  imports: [FilesModule],
  controllers: [AttachmentsController],
})
export class FilesHttpModule {}
