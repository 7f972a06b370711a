import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../../http/page-query.dto.js';
import { ProjectsService } from '@groundwork/work';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../../http/api-problem-responses.decorator.js';
import { Idempotent } from '../../http/idempotency/idempotent.decorator.js';
import { IfMatch, VersionedRead, VersionedWrite } from '../../http/etag.js';
import type { HeaderSettable } from '../../http/header-settable.js';
import { CreateProjectDto, ProjectDto, ProjectPageDto, UpdateProjectDto } from './projects.dto.js';

@ApiTags('projects')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/projects', version: '1' })
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @RequirePermission('projects:write')
  @VersionedWrite(ProjectDto, 201, false)
  @ApiOperation({
    operationId: 'createProject',
    summary: 'Create a project; its key is unique in the workspace (409).',
  })
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateProjectDto,
    @Actor() actor: WorkspaceActor,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<ProjectDto> {
    const project = await this.projects.create(workspaceId, actor, body);
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/projects/${project.id}`,
    );
    return ProjectDto.from(project);
  }

  @Get()
  @Paginated()
  @RequirePermission('projects:read')
  @ApiOperation({ operationId: 'listProjects', summary: 'The workspace’s projects, oldest first.' })
  @ApiOkResponse({ type: ProjectPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<ProjectDto>> {
    const page = await this.projects.list(workspaceId, query.limit, query.cursor);
    return { data: page.data.map(ProjectDto.from), page: page.page };
  }

  @Get(':projectId')
  @RequirePermission('projects:read')
  @VersionedRead(ProjectDto)
  @ApiOperation({ operationId: 'getProject', summary: 'A project, with its ETag.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('projectId') projectId: string): Promise<ProjectDto> {
    return ProjectDto.from(await this.projects.get(workspaceId, projectId));
  }

  @Patch(':projectId')
  @RequirePermission('projects:write')
  @VersionedWrite(ProjectDto, 200, true)
  @ApiOperation({ operationId: 'updateProject', summary: 'Change a project (If-Match required: 428 / 412).' })
  @ApiProblemResponses(400, 401, 403, 404, 409, 412, 415, 422, 428, 429)
  async update(
    @WorkspaceId() workspaceId: string,
    @Param('projectId') projectId: string,
    @IfMatch() version: number,
    @Body() body: UpdateProjectDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<ProjectDto> {
    return ProjectDto.from(await this.projects.update(workspaceId, projectId, actor, version, body));
  }

  @Delete(':projectId')
  @HttpCode(204)
  @RequirePermission('projects:write')
  @VersionedWrite(undefined, 204, true)
  @ApiOperation({
    operationId: 'deleteProject',
    summary: 'Delete a project that has no live tasks (409 otherwise). If-Match required.',
  })
  @ApiProblemResponses(401, 403, 404, 409, 412, 428, 429)
  async delete(
    @WorkspaceId() workspaceId: string,
    @Param('projectId') projectId: string,
    @IfMatch() version: number,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.projects.delete(workspaceId, projectId, actor, version);
  }
}
