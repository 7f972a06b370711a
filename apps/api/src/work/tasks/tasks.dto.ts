import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '../../http/page-query.dto.js';
import {
  TASK_PRIORITIES,
  TASK_SORT_FIELDS,
  TASK_STATUSES,
  type TaskListParams,
  type TaskPriority,
  type TaskStatus,
  type TaskView,
} from '@groundwork/work';
import { PageDto } from '../../http/page.dto.js';
import { ProtobufMessage } from '../../http/negotiation/negotiated.decorator.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** A nullable field: null passes (it clears the value), anything else is validated. */
const unlessNull = ValidateIf((_object, value) => value !== null);
const unlessNullOrAbsent = ValidateIf((_object, value) => value !== null && value !== undefined);
const SORTS = TASK_SORT_FIELDS.flatMap((field) => [field, `-${field}`]);

/** `"2027-01-31T12:00:00Z"` → Date; null and absent stay as they are. */
function toDate(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : new Date(value);
}

/** Also accepted as `application/x-protobuf` (proto/task.proto, CreateTaskRequest). */
@ProtobufMessage('groundwork.v1.CreateTaskRequest')
export class CreateTaskDto {
  @ApiProperty({ format: 'uuid', description: 'A project of the workspace (else 422).' })
  @IsUUID()
  projectId!: string;

  @ApiProperty({ example: 'Compute Bernoulli numbers', minLength: 1, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 10_000, description: 'Markdown; HTML is removed.' })
  @unlessNullOrAbsent
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES, default: 'none' })
  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'A workspace member (else 422).' })
  @unlessNullOrAbsent
  @IsUUID()
  assigneeId?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: 20, example: ['backend'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  labels?: string[];

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  @unlessNullOrAbsent
  @IsISO8601({ strict: true })
  dueAt?: string | null;
}

/** PUT: every writable field, null for an empty nullable one (the project is not writable). */
export class ReplaceTaskDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiProperty({ nullable: true, type: String, maxLength: 10_000 })
  @IsDefined()
  @unlessNull
  @IsString()
  @MaxLength(10_000)
  description!: string | null;

  @ApiProperty({ enum: TASK_STATUSES, description: 'Moves along the state machine (422 names the allowed targets).' })
  @IsIn(TASK_STATUSES)
  status!: TaskStatus;

  @ApiProperty({ enum: TASK_PRIORITIES })
  @IsIn(TASK_PRIORITIES)
  priority!: TaskPriority;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  @IsDefined()
  @unlessNull
  @IsUUID()
  assigneeId!: string | null;

  @ApiProperty({ type: [String], maxItems: 20, description: 'Replaces the labels; [] clears them (null is refused).' })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  labels!: string[];

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  @IsDefined()
  @unlessNull
  @IsISO8601({ strict: true })
  dueAt!: string | null;
}

/**
 * PATCH: any subset of PUT's fields, under the same rules. Absent means "leave as it is"; null
 * clears a nullable field and is refused for the others (skipNullProperties: false — `@IsOptional`
 * would let null through to the database as "clear this").
 */
export class UpdateTaskDto extends PartialType(ReplaceTaskDto, { skipNullProperties: false }) {}

/** The one conversion of a task body (POST, PUT, PATCH) into the service's terms. */
export function toTaskInput<Body extends { dueAt?: string | null }>(
  body: Body,
): Omit<Body, 'dueAt'> & { dueAt?: Date | null } {
  return { ...body, dueAt: toDate(body.dueAt) };
}

const asArray = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

export class TaskListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  projectId?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES, isArray: true, description: 'Repeatable: `status=todo&status=done`.' })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @IsIn(TASK_STATUSES, { each: true })
  status?: TaskStatus[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  assigneeId?: string;

  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  label?: string;

  @ApiPropertyOptional({ enum: TASK_PRIORITIES })
  @IsOptional()
  @IsIn(TASK_PRIORITIES)
  priority?: TaskPriority;

  @ApiPropertyOptional({ format: 'date-time', description: 'Due at or before.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBefore?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Due at or after.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueAfter?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Title contains (case-insensitive).' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({ enum: SORTS, default: '-createdAt', description: '`-` prefix for descending.' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  sort?: string;
}

/** The one conversion of the list query (v1 and v2) into the service's terms. */
export function toTaskListParams(query: TaskListQueryDto): TaskListParams {
  return { ...query, dueBefore: toDate(query.dueBefore) ?? undefined, dueAfter: toDate(query.dueAfter) ?? undefined };
}

/** XML element names of the items of a task's arrays (and of a page's). */
export const TASK_XML_ITEMS = { data: 'task', labels: 'label' };

export class TaskDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ example: 42, description: 'Per-project sequence (shown as KEY-42).' })
  number!: number;

  @ApiProperty({ example: 'Compute Bernoulli numbers' })
  title!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Markdown (sanitized).' })
  description!: string | null;

  @ApiProperty({ enum: TASK_STATUSES })
  status!: TaskStatus;

  @ApiProperty({ enum: TASK_PRIORITIES })
  priority!: TaskPriority;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  assigneeId!: string | null;

  @ApiProperty({ type: [String] })
  labels!: string[];

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  dueAt!: string | null;

  @ApiProperty({ example: 1, description: 'Changes with every write; the ETag is built from it.' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(task: TaskView): TaskDto {
    return {
      id: task.id,
      projectId: task.projectId,
      number: task.number,
      title: task.title,
      description: task.description,
      status: task.status,
      priority: task.priority,
      assigneeId: task.assigneeId,
      labels: task.labels,
      dueAt: task.dueAt?.toISOString() ?? null,
      version: task.version,
      createdAt: task.createdAt.toISOString(),
      updatedAt: task.updatedAt.toISOString(),
    };
  }
}

export class TaskPageDto extends PageDto(TaskDto) {}
