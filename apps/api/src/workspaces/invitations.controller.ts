import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import { InvitationsService, type WorkspaceActor } from '@groundwork/workspaces';
import { Authenticated, RequirePermission } from '../http/auth/access-rules.js';
import { Actor, CurrentUser, WorkspaceId } from '../http/auth/caller.decorators.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import { CreateInvitationDto, InvitationDto, InvitationPageDto } from './invitations.dto.js';
import type { HeaderSettable } from '../http/header-settable.js';
import { WorkspaceDto } from './workspaces.dto.js';

@ApiTags('invitations')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/invitations', version: '1' })
@RequirePermission('invitations:manage')
export class InvitationsController {
  constructor(
    private readonly invitations: InvitationsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createInvitation',
    summary:
      'Invite an email address with a role no higher than the caller’s; the mail is queued. Inviting the same address again replaces its pending invitation.',
  })
  @ApiCreatedResponse({ type: InvitationDto, description: 'Created; `Location` names the invitation.' })
  @Idempotent()
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Body() body: CreateInvitationDto,
    @Actor() actor: WorkspaceActor,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<InvitationDto> {
    const invitation = await this.invitations.create(workspaceId, actor, body);
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/invitations/${invitation.id}`,
    );
    return InvitationDto.from(invitation);
  }

  @Get()
  @Paginated()
  @ApiOperation({
    operationId: 'listInvitations',
    summary: 'Pending invitations (not accepted, not expired), newest first.',
  })
  @ApiOkResponse({ type: InvitationPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<InvitationDto>> {
    const page = await this.invitations.listPending(workspaceId, query.limit, query.cursor);
    return { data: page.data.map(InvitationDto.from), page: page.page };
  }

  @Get(':invitationId')
  @ApiOperation({ operationId: 'getInvitation', summary: 'One invitation of the workspace.' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('invitationId') invitationId: string): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.get(workspaceId, invitationId));
  }

  @Delete(':invitationId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeInvitation', summary: 'Withdraw a pending invitation: its link stops working.' })
  @ApiNoContentResponse({ description: 'The invitation is revoked.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async revoke(
    @WorkspaceId() workspaceId: string,
    @Param('invitationId') invitationId: string,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.invitations.revoke(workspaceId, actor, invitationId);
  }
}

/** Accepting is the invitee's act, outside any workspace they already belong to. */
@ApiTags('invitations')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'invitations', version: '1' })
export class InvitationAcceptanceController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post(':token/accept')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    operationId: 'acceptInvitation',
    summary:
      'Join the workspace with the token from the invitation mail. Single use; the signed-in account’s email must be the invited one (403); already a member → 409.',
  })
  @ApiOkResponse({ type: WorkspaceDto, description: 'The workspace joined, with the caller’s new role.' })
  @ApiProblemResponses(400, 401, 403, 409, 429)
  async accept(@Param('token') token: string, @CurrentUser() user: UserPrincipal): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.invitations.accept(token, user.userId));
  }
}
