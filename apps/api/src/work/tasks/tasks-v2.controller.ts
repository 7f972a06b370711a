import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Page, Paginated } from '@groundwork/platform';
import { TaskListQuery, TasksService } from '@groundwork/work';
import { RequirePermission } from '../../http/auth/access-rules.js';
import { WorkspaceId } from '../../http/auth/caller.decorators.js';
import { Cached } from '../../http/cache/cached.decorator.js';
import { TASK_READS_V2 } from './task-reads.cache.js';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator.js';
import { VersionedRead } from '../../http/etag.js';
import { Negotiated } from '../../http/negotiation/negotiated.decorator.js';
import { TASK_XML_ITEMS, TaskListQueryDto, toTaskListParams } from './tasks.dto.js';
import { TaskV2Dto, TaskV2PageDto } from './task-v2.dto.js';
import { TaskV2Presenter } from './task-v2.presenter.js';

/**
 * The v2 task reads: the same service and rules as v1, another presenter. JSON and
 * XML; the protobuf schema describes the v1 shape only.
 */
@ApiTags('tasks')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/tasks', version: '2' })
export class TasksV2Controller {
  constructor(
    private readonly tasks: TasksService,
    private readonly taskList: TaskListQuery,
    private readonly presenter: TaskV2Presenter,
  ) {}

  @Get()
  @Cached(TASK_READS_V2)
  @Paginated()
  @RequirePermission('tasks:read')
  @Negotiated({ xml: { root: 'taskPage', items: TASK_XML_ITEMS } })
  @ApiOperation({
    operationId: 'listTasksV2',
    summary: 'Live tasks of the workspace (v2 shape: `key`, embedded `assignee`); same filters and sorts as v1.',
  })
  @ApiOkResponse({ type: TaskV2PageDto })
  @ApiProblemResponses(400, 401, 403, 404, 406, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: TaskListQueryDto): Promise<Page<TaskV2Dto>> {
    const page = await this.taskList.list(workspaceId, toTaskListParams(query));
    return { data: await this.presenter.present(workspaceId, page.data), page: page.page };
  }

  @Get(':taskId')
  @Cached(TASK_READS_V2)
  @RequirePermission('tasks:read')
  @VersionedRead(TaskV2Dto)
  @Negotiated({ xml: { root: 'task', items: TASK_XML_ITEMS } })
  @ApiOperation({ operationId: 'getTaskV2', summary: 'A live task in the v2 shape, with its ETag.' })
  @ApiProblemResponses(401, 403, 404, 406, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('taskId') taskId: string): Promise<TaskV2Dto> {
    const [task] = await this.presenter.present(workspaceId, [await this.tasks.get(workspaceId, taskId)]);
    if (!task) throw new Error('a presented task went missing');
    return task;
  }
}
