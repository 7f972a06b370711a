import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig, type Page, Paginated } from '@groundwork/platform';
import { TaskListQuery, TasksService } from '@groundwork/work';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../../http/auth/caller.decorators.js';
import { Cached } from '../../http/cache/cached.decorator.js';
import { TASK_READS_V1 } from './task-reads.cache.js';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator.js';
import { Idempotent } from '../../http/idempotency/idempotent.decorator.js';
import { IfMatch, VersionedRead, VersionedWrite } from '../../http/etag.js';
import { SupersededByV2 } from '../../http/deprecation.js';
import { Negotiated } from '../../http/negotiation/negotiated.decorator.js';
import type { HeaderSettable } from '../../http/header-settable.js';
import {
  CreateTaskDto,
  ReplaceTaskDto,
  TASK_XML_ITEMS,
  TaskDto,
  TaskListQueryDto,
  TaskPageDto,
  toTaskInput,
  toTaskListParams,
  UpdateTaskDto,
} from './tasks.dto.js';

/** When the v1 task reads that v2 replaces were deprecated, and when they stop being served. */
const V1_TASK_READS = {
  deprecatedAt: new Date('2026-11-26T00:00:00Z'),
  sunsetAt: new Date('2027-06-01T00:00:00Z'),
} as const;

@ApiTags('tasks')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/tasks', version: '1' })
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly taskList: TaskListQuery,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @RequirePermission('tasks:write')
  @VersionedWrite(TaskDto, 201, false)
  @ApiOperation({
    operationId: 'createTask',
    summary: 'Create a task in a project (it starts in todo with the project’s next number).',
  })
  @ApiProblemResponses(400, 401, 403, 404, 415, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateTaskDto,
    @Actor() actor: WorkspaceActor,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<TaskDto> {
    const task = await this.tasks.create(workspaceId, actor, toTaskInput(body));
    response.setHeader('Location', `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/tasks/${task.id}`);
    return TaskDto.from(task);
  }

  @Get()
  @Cached(TASK_READS_V1)
  @Paginated()
  @RequirePermission('tasks:read')
  @Negotiated({ xml: { root: 'taskPage', items: TASK_XML_ITEMS }, protobuf: 'groundwork.v1.TaskPage' })
  @SupersededByV2(V1_TASK_READS)
  @ApiOperation({
    operationId: 'listTasks',
    deprecated: true,
    description:
      'Replaced by `GET /v2/workspaces/{workspaceId}/tasks`: answers carry Deprecation, Sunset and a successor-version Link.',
    summary: 'Live tasks of the workspace: filters, sort (createdAt, updatedAt, dueAt, priority; `-` descending).',
  })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: TaskListQueryDto): Promise<Page<TaskDto>> {
    const page = await this.taskList.list(workspaceId, toTaskListParams(query));
    return { data: page.data.map(TaskDto.from), page: page.page };
  }

  @Get(':taskId')
  @Cached(TASK_READS_V1)
  @RequirePermission('tasks:read')
  @VersionedRead(TaskDto)
  @Negotiated({ xml: { root: 'task', items: TASK_XML_ITEMS }, protobuf: 'groundwork.v1.Task' })
  @SupersededByV2(V1_TASK_READS)
  @ApiOperation({
    operationId: 'getTask',
    summary: 'A live task, with its ETag.',
    deprecated: true,
    description:
      'Replaced by `GET /v2/workspaces/{workspaceId}/tasks/{taskId}`: answers carry Deprecation, Sunset and a successor-version Link.',
  })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('taskId') taskId: string): Promise<TaskDto> {
    return TaskDto.from(await this.tasks.get(workspaceId, taskId));
  }

  @Patch(':taskId')
  @RequirePermission('tasks:write')
  @VersionedWrite(TaskDto, 200, true)
  @ApiOperation({
    operationId: 'updateTask',
    summary: 'Change some fields; a status change follows the state machine; If-Match required (428 / 412).',
  })
  @ApiProblemResponses(400, 401, 403, 404, 409, 412, 415, 422, 428, 429)
  async update(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Body() body: UpdateTaskDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<TaskDto> {
    return TaskDto.from(await this.tasks.update(workspaceId, taskId, actor, version, toTaskInput(body)));
  }

  @Put(':taskId')
  @RequirePermission('tasks:write')
  @VersionedWrite(TaskDto, 200, true)
  @ApiOperation({
    operationId: 'replaceTask',
    summary: 'Replace every writable field (same rules as PATCH); If-Match required (428 / 412).',
  })
  @ApiProblemResponses(400, 401, 403, 404, 409, 412, 415, 422, 428, 429)
  async replace(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Body() body: ReplaceTaskDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<TaskDto> {
    return TaskDto.from(await this.tasks.update(workspaceId, taskId, actor, version, toTaskInput(body)));
  }

  @Delete(':taskId')
  @HttpCode(204)
  @RequirePermission('tasks:write')
  @VersionedWrite(undefined, 204, true)
  @ApiOperation({ operationId: 'deleteTask', summary: 'Soft-delete a task (restorable); If-Match required.' })
  @ApiProblemResponses(401, 403, 404, 412, 428, 429)
  async delete(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.tasks.delete(workspaceId, taskId, actor, version);
  }

  @Post(':taskId/restore')
  @HttpCode(200)
  @RequirePermission('tasks:write')
  @VersionedWrite(TaskDto, 200, false)
  @ApiOperation({ operationId: 'restoreTask', summary: 'Bring a soft-deleted task back (409 if it is not deleted).' })
  @ApiProblemResponses(401, 403, 404, 409, 429)
  async restore(
    @WorkspaceId() workspaceId: string,
    @Param('taskId') taskId: string,
    @Actor() actor: WorkspaceActor,
  ): Promise<TaskDto> {
    return TaskDto.from(await this.tasks.restore(workspaceId, taskId, actor));
  }
}
