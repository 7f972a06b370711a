import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AppConfig, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { WorkspacesService, type WorkspaceActor } from '@groundwork/workspaces';
import { Authenticated, RequirePermission } from '../http/auth/access-rules.js';
import { Actor, CurrentUser, WorkspaceId } from '../http/auth/caller.decorators.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import {
  CreateWorkspaceDto,
  OwnershipTransferDto,
  TransferOwnershipDto,
  UpdateWorkspaceDto,
  WorkspaceDto,
  WorkspacePageDto,
} from './workspaces.dto.js';

@ApiTags('workspaces')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces', version: '1' })
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ operationId: 'createWorkspace', summary: 'Create a workspace; the caller becomes its owner.' })
  @ApiCreatedResponse({ type: WorkspaceDto, description: 'Created; `Location` names the new workspace.' })
  @Idempotent()
  @ApiProblemResponses(400, 401, 403, 409, 415, 422, 429)
  async create(
    @CurrentUser() user: UserPrincipal,
    @Body() body: CreateWorkspaceDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<WorkspaceDto> {
    const workspace = await this.workspaces.create(user.userId, body);
    response.setHeader('Location', `${this.config.http.publicApiUrl}/v1/workspaces/${workspace.id}`);
    return WorkspaceDto.from(workspace);
  }

  @Get()
  @Paginated()
  @Authenticated()
  @ApiOperation({ operationId: 'listWorkspaces', summary: 'The caller’s workspaces, with their role in each.' })
  @ApiOkResponse({ type: WorkspacePageDto })
  @ApiProblemResponses(400, 401, 403, 422, 429)
  async list(@CurrentUser() user: UserPrincipal, @Query() query: PageQueryDto): Promise<Page<WorkspaceDto>> {
    const page = await this.workspaces.listMine(user.userId, query.limit, query.cursor);
    return { data: page.data.map(WorkspaceDto.from), page: page.page };
  }

  @Get(':workspaceId')
  @RequirePermission('workspace:read')
  @ApiOperation({ operationId: 'getWorkspace', summary: 'A workspace the caller belongs to.' })
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Actor() actor: WorkspaceActor): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.workspaces.get(workspaceId, actor.role));
  }

  @Patch(':workspaceId')
  @RequirePermission('workspace:update')
  @ApiOperation({ operationId: 'updateWorkspace', summary: 'Rename the workspace or change its slug (admins).' })
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 429)
  async update(
    @WorkspaceId() workspaceId: string,
    @Body() body: UpdateWorkspaceDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.workspaces.update(workspaceId, actor, body));
  }

  @Delete(':workspaceId')
  @HttpCode(204)
  @RequirePermission('workspace:delete')
  @ApiOperation({
    operationId: 'deleteWorkspace',
    summary: 'Delete the workspace and everything in it (the owner, in person: API keys are refused).',
  })
  @ApiNoContentResponse({ description: 'The workspace is deleted.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async delete(@WorkspaceId() workspaceId: string, @Actor() actor: WorkspaceActor): Promise<void> {
    await this.workspaces.delete(workspaceId, actor);
  }

  @Post(':workspaceId/transfer-ownership')
  @HttpCode(200)
  @RequirePermission('workspace:transfer')
  @ApiOperation({
    operationId: 'transferWorkspaceOwnership',
    summary:
      'Make another member the owner; the caller becomes an admin. A user who is not a member → 422. Owner in person only.',
  })
  @ApiOkResponse({ type: OwnershipTransferDto })
  @ApiProblemResponses(400, 401, 403, 404, 415, 422, 429)
  async transferOwnership(
    @WorkspaceId() workspaceId: string,
    @Body() body: TransferOwnershipDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<OwnershipTransferDto> {
    return OwnershipTransferDto.from(await this.workspaces.transferOwnership(workspaceId, actor, body.userId));
  }
}
