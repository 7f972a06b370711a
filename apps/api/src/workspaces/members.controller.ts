import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { MembersService, type WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { ChangeMemberRoleDto, MemberDto, MemberPageDto } from './members.dto.js';

@ApiTags('members')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/members', version: '1' })
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @Paginated()
  @RequirePermission('members:read')
  @ApiOperation({ operationId: 'listMembers', summary: 'The workspace’s members, in the order they joined.' })
  @ApiOkResponse({ type: MemberPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<MemberDto>> {
    const page = await this.members.list(workspaceId, query.limit, query.cursor);
    return { data: page.data.map(MemberDto.from), page: page.page };
  }

  @Patch(':userId')
  @RequirePermission('members:manage')
  @ApiOperation({
    operationId: 'changeMemberRole',
    summary:
      'Change a member’s role (admins and the owner; not above the caller’s role). The owner cannot be demoted → 409.',
  })
  @ApiOkResponse({ type: MemberDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 429)
  async changeRole(
    @WorkspaceId() workspaceId: string,
    @Param('userId') userId: string,
    @Body() body: ChangeMemberRoleDto,
    @Actor() actor: WorkspaceActor,
  ): Promise<MemberDto> {
    return MemberDto.from(await this.members.changeRole(workspaceId, actor, userId, body.role));
  }

  // Any member reaches this route, so that everyone can leave; removing someone else takes
  // members:manage, which the service checks.
  @Delete(':userId')
  @HttpCode(204)
  @RequirePermission('members:read')
  @ApiOperation({
    operationId: 'removeMember',
    summary: 'Remove a member (admins and the owner), or leave (your own user id). The owner cannot leave → 409.',
  })
  @ApiNoContentResponse({ description: 'The membership has ended.' })
  @ApiProblemResponses(401, 403, 404, 409, 429)
  async remove(
    @WorkspaceId() workspaceId: string,
    @Param('userId') userId: string,
    @Actor() actor: WorkspaceActor,
  ): Promise<void> {
    await this.members.remove(workspaceId, actor, userId);
  }
}
