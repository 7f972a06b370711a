import { ApiProperty } from '@nestjs/swagger';
import type { AttachmentView } from '@groundwork/files';
import { PageDto } from '../http/page.dto.js';

export class AttachmentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  taskId!: string;

  @ApiProperty({
    maxLength: 255,
    description: 'As uploaded, with path separators, control and bidi-override characters removed (≤ 255 bytes).',
  })
  filename!: string;

  @ApiProperty({ example: 'image/png', description: 'The declared type, checked against the bytes.' })
  contentType!: string;

  @ApiProperty({ description: 'Bytes.', example: 52_133 })
  size!: number;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes (hex); also the download’s ETag.' })
  sha256!: string;

  @ApiProperty({ format: 'uuid' })
  uploadedBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(attachment: AttachmentView): AttachmentDto {
    return {
      id: attachment.id,
      taskId: attachment.taskId,
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
      sha256: attachment.sha256,
      uploadedBy: attachment.uploadedBy,
      createdAt: attachment.createdAt.toISOString(),
    };
  }
}

export class AttachmentPageDto extends PageDto(AttachmentDto) {}
