import { Controller, Delete, Get, HttpCode, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AccountService } from '@groundwork/identity';
import { AuditTrail, type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { Authenticated } from '../http/auth/access-rules.js';
import { CurrentUser } from '../http/auth/caller.decorators.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { AuditEventDto, AuditEventPageDto } from '../http/audit-event.dto.js';
import { MeDto } from './me.dto.js';

/** The caller's own account. */
@ApiTags('me')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'me', version: '1' })
@Authenticated()
export class MeController {
  constructor(
    private readonly accounts: AccountService,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in account' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblemResponses(401, 403, 429)
  async me(@CurrentUser() user: UserPrincipal): Promise<MeDto> {
    return MeDto.from(await this.accounts.get(user.userId));
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteMe',
    summary:
      'Delete the account: personal data erased, memberships ended, sessions revoked. 409 while owning a workspace.',
  })
  @ApiNoContentResponse({ description: 'The account is deleted.' })
  @ApiProblemResponses(401, 403, 409, 429)
  async deleteMe(@CurrentUser() user: UserPrincipal): Promise<void> {
    await this.accounts.delete(user.userId);
  }

  @Get('security-events')
  @Paginated()
  @ApiOperation({
    operationId: 'listSecurityEvents',
    summary: 'The account’s security trail (logins, failures, token reuse, password changes), newest first',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblemResponses(400, 401, 403, 422, 429)
  async securityEvents(@CurrentUser() user: UserPrincipal, @Query() query: PageQueryDto): Promise<Page<AuditEventDto>> {
    const page = await this.audit.list({ userId: user.userId }, query.limit, query.cursor);
    return { data: page.data.map(AuditEventDto.from), page: page.page };
  }
}
