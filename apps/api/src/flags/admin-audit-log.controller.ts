import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FlagsAdminService } from '@groundwork/flags';
import { type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { AuditEventDto, AuditEventPageDto } from '../http/audit-event.dto.js';
import { PlatformAdminOnly } from '../http/auth/access-rules.js';

/** What platform administrators changed (feature flags), newest first. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiCookieAuth()
@PlatformAdminOnly()
@Controller({ path: 'admin/audit-log', version: '1' })
export class AdminAuditLogController {
  constructor(private readonly flags: FlagsAdminService) {}

  @Get()
  @Paginated()
  @ApiOperation({ operationId: 'listAdminAuditLog', summary: 'Changes made by platform administrators, newest first' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblemResponses(400, 401, 403, 422, 429)
  async list(@Query() query: PageQueryDto): Promise<Page<AuditEventDto>> {
    const page = await this.flags.auditLog(query.limit, query.cursor);
    return { data: page.data.map(AuditEventDto.from), page: page.page };
  }
}
