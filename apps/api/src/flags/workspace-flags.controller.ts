import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FeatureFlags } from '@groundwork/flags';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { WorkspaceFlagsDto } from './flags.dto.js';

/** The flags as evaluated for one workspace, for clients to adapt their UI. */
@ApiTags('flags')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/flags', version: '1' })
export class WorkspaceFlagsController {
  constructor(private readonly flags: FeatureFlags) {}

  @Get()
  @RequirePermission('workspace:read')
  @ApiOperation({ operationId: 'getWorkspaceFlags', summary: 'Every feature flag as evaluated for this workspace' })
  @ApiOkResponse({ type: WorkspaceFlagsDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Actor() actor: WorkspaceActor): Promise<WorkspaceFlagsDto> {
    return { flags: await this.flags.evaluateAll({ workspaceId, userId: actor.userId, role: actor.role }) };
  }
}
