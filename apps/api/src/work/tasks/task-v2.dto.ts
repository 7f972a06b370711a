import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../http/page.dto.js';
import { TASK_PRIORITIES_FOR_DOCS, TASK_STATUSES_FOR_DOCS } from './task-v2.presenter.js';

export class AssigneeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Grace Hopper' })
  name!: string;
}

/** The v2 task: `assignee` embedded as {id, name} instead of `assigneeId`, and the `key` ("ENG-12"). */
export class TaskV2Dto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ENG-12', description: 'The project key and the task number.' })
  key!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ example: 12 })
  number!: number;

  @ApiProperty()
  title!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Markdown, sanitized.' })
  description!: string | null;

  @ApiProperty({ enum: TASK_STATUSES_FOR_DOCS })
  status!: string;

  @ApiProperty({ enum: TASK_PRIORITIES_FOR_DOCS })
  priority!: string;

  @ApiProperty({ type: AssigneeDto, nullable: true })
  assignee!: AssigneeDto | null;

  @ApiProperty({ type: [String] })
  labels!: string[];

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  dueAt!: string | null;

  @ApiProperty()
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class TaskV2PageDto extends PageDto(TaskV2Dto) {}
