import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditTrail, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { RequirePermission } from '../http/auth/access-rules.js';
import { WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { AuditEventDto, AuditEventPageDto } from '../http/audit-event.dto.js';

/** The workspace's security-relevant events, for its admins. */
@ApiTags('audit')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/audit-log', version: '1' })
export class AuditLogController {
  constructor(private readonly audit: AuditTrail) {}

  @Get()
  @RequirePermission('audit:read')
  @Paginated()
  @ApiOperation({
    operationId: 'listAuditLog',
    summary: 'Role changes, API keys, invitations, ownership transfers… newest first',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<AuditEventDto>> {
    const page = await this.audit.list({ workspaceId: workspaceId }, query.limit, query.cursor);
    return { data: page.data.map(AuditEventDto.from), page: page.page };
  }
}
