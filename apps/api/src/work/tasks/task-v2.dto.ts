import { ApiProperty } from '@nestjs/swagger';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '@groundwork/work';
import { PageDto } from '../../http/page.dto.js';

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

  @ApiProperty({ enum: TASK_STATUSES })
  status!: TaskStatus;

  @ApiProperty({ enum: TASK_PRIORITIES })
  priority!: TaskPriority;

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
