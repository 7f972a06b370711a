import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { CommentView } from '@groundwork/work';
import { PageDto } from '../../http/page.dto.js';

export class WriteCommentDto {
  @ApiProperty({ minLength: 1, maxLength: 10_000, description: 'Markdown; HTML is removed.' })
  @IsString()
  @MinLength(1)
  @MaxLength(10_000)
  body!: string;
}

export class CommentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  taskId!: string;

  @ApiProperty({ format: 'uuid' })
  authorId!: string;

  @ApiProperty({ description: 'Markdown (sanitized).' })
  body!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the author last edited it.' })
  editedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(comment: CommentView): CommentDto {
    return {
      id: comment.id,
      taskId: comment.taskId,
      authorId: comment.authorId,
      body: comment.body,
      editedAt: comment.editedAt?.toISOString() ?? null,
      createdAt: comment.createdAt.toISOString(),
      updatedAt: comment.updatedAt.toISOString(),
    };
  }
}

export class CommentPageDto extends PageDto(CommentDto) {}
