import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig, type Page, Paginated } from '@groundwork/platform';
import { TaskListQuery, TasksService } from '@groundwork/work';
import { RequirePermission } from '../../auth/access-rules.js';
import { Caller } from '../../auth/caller.decorators.js';
import type { Principal } from '../../auth/principal.js';
import { Grant, type WorkspaceAccessGrant } from '../../auth/workspace-access.context.js';
import { Cached } from '../../cache/cached.decorator.js';
import { TASK_READS_V1 } from '../../cache/task-reads.cache.js';
import { ApiProblemResponses } from '../../common/api-problem-responses.decorator.js';
import { Idempotent } from '../../idempotency/idempotent.decorator.js';
import { IfMatch, VersionedRead, VersionedWrite } from '../../common/etag.js';
import { SupersededByV2 } from '../../common/deprecation.js';
import { Negotiated } from '../../common/negotiation/negotiated.decorator.js';
import { workspaceActor } from '../../workspaces/workspace-actor.js';
import type { HeaderSettable } from '../../common/header-settable.js';
import {
  CreateTaskDto,
  ReplaceTaskDto,
  TaskDto,
  TaskListQueryDto,
  TaskPageDto,
  toDate,
  UpdateTaskDto,
} from './tasks.dto.js';

/** XML element names of the items of a task's arrays (and of a page's). */
export const TASK_XML_ITEMS = { data: 'task', labels: 'label' };

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
    @Param('workspaceId') workspaceId: string,
    @Body() body: CreateTaskDto,
    @Caller() caller: Principal,
    @Grant() grant: WorkspaceAccessGrant,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<TaskDto> {
    const task = await this.tasks.create(workspaceId, workspaceActor(caller, grant), {
      ...body,
      dueAt: toDate(body.dueAt),
    });
    response.setHeader('Location', `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/tasks/${task.id}`);
    return TaskDto.from(task);
  }

  @Get()
  @Cached(TASK_READS_V1)
  @Paginated()
  @RequirePermission('tasks:read')
  @Negotiated({ xml: { root: 'taskPage', items: TASK_XML_ITEMS }, protobuf: 'groundwork.v1.TaskPage' })
  @SupersededByV2()
  @ApiOperation({
    operationId: 'listTasks',
    deprecated: true,
    description:
      'Replaced by `GET /v2/workspaces/{workspaceId}/tasks`: answers carry Deprecation, Sunset and a successor-version Link.',
    summary: 'Live tasks of the workspace: filters, sort (createdAt, updatedAt, dueAt, priority; `-` descending).',
  })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@Param('workspaceId') workspaceId: string, @Query() query: TaskListQueryDto): Promise<Page<TaskDto>> {
    const page = await this.taskList.list(workspaceId, {
      ...query,
      dueBefore: toDate(query.dueBefore) ?? undefined,
      dueAfter: toDate(query.dueAfter) ?? undefined,
    });
    return { data: page.data.map(TaskDto.from), page: page.page };
  }

  @Get(':taskId')
  @Cached(TASK_READS_V1)
  @RequirePermission('tasks:read')
  @VersionedRead(TaskDto)
  @Negotiated({ xml: { root: 'task', items: TASK_XML_ITEMS }, protobuf: 'groundwork.v1.Task' })
  @SupersededByV2()
  @ApiOperation({
    operationId: 'getTask',
    summary: 'A live task, with its ETag.',
    deprecated: true,
    description:
      'Replaced by `GET /v2/workspaces/{workspaceId}/tasks/{taskId}`: answers carry Deprecation, Sunset and a successor-version Link.',
  })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@Param('workspaceId') workspaceId: string, @Param('taskId') taskId: string): Promise<TaskDto> {
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
    @Param('workspaceId') workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Body() body: UpdateTaskDto,
    @Caller() caller: Principal,
    @Grant() grant: WorkspaceAccessGrant,
  ): Promise<TaskDto> {
    return TaskDto.from(
      await this.tasks.update(workspaceId, taskId, workspaceActor(caller, grant), version, body.toChanges()),
    );
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
    @Param('workspaceId') workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Body() body: ReplaceTaskDto,
    @Caller() caller: Principal,
    @Grant() grant: WorkspaceAccessGrant,
  ): Promise<TaskDto> {
    return TaskDto.from(
      await this.tasks.update(workspaceId, taskId, workspaceActor(caller, grant), version, {
        ...body,
        dueAt: toDate(body.dueAt),
      }),
    );
  }

  @Delete(':taskId')
  @HttpCode(204)
  @RequirePermission('tasks:write')
  @VersionedWrite(undefined, 204, true)
  @ApiOperation({ operationId: 'deleteTask', summary: 'Soft-delete a task (restorable); If-Match required.' })
  @ApiProblemResponses(401, 403, 404, 412, 428, 429)
  async delete(
    @Param('workspaceId') workspaceId: string,
    @Param('taskId') taskId: string,
    @IfMatch() version: number,
    @Caller() caller: Principal,
    @Grant() grant: WorkspaceAccessGrant,
  ): Promise<void> {
    await this.tasks.delete(workspaceId, taskId, workspaceActor(caller, grant), version);
  }

  @Post(':taskId/restore')
  @HttpCode(200)
  @RequirePermission('tasks:write')
  @VersionedWrite(TaskDto, 200, false)
  @ApiOperation({ operationId: 'restoreTask', summary: 'Bring a soft-deleted task back (409 if it is not deleted).' })
  @ApiProblemResponses(401, 403, 404, 409, 429)
  async restore(
    @Param('workspaceId') workspaceId: string,
    @Param('taskId') taskId: string,
    @Caller() caller: Principal,
    @Grant() grant: WorkspaceAccessGrant,
  ): Promise<TaskDto> {
    return TaskDto.from(await this.tasks.restore(workspaceId, taskId, workspaceActor(caller, grant)));
  }
}
