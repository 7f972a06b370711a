import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FlagsAdminService } from '@groundwork/flags';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { PlatformAdminOnly } from '../http/auth/access-rules.js';
import { CurrentUser } from '../http/auth/caller.decorators.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { FlagDto, FlagListDto, PutFlagDto } from './flags.dto.js';

/** Feature flags, for platform administrators. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiCookieAuth()
@PlatformAdminOnly()
@Controller({ path: 'admin/flags', version: '1' })
export class AdminFlagsController {
  constructor(private readonly flags: FlagsAdminService) {}

  @Get()
  @ApiOperation({ operationId: 'listFlags', summary: 'Every flag: the stored ones and every built-in flag' })
  @ApiOkResponse({ type: FlagListDto })
  @ApiProblemResponses(401, 403, 429, 503)
  async list(): Promise<FlagListDto> {
    return { data: (await this.flags.list()).map(FlagDto.from) };
  }

  @Put(':key')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'putFlag',
    summary: 'Create or replace a flag (every instance follows within a second; written to the admin audit log)',
  })
  @ApiOkResponse({ type: FlagDto })
  @ApiProblemResponses(400, 401, 403, 415, 422, 429, 503)
  async put(
    @Param('key') key: string,
    @Body() body: PutFlagDto,
    @CurrentUser() admin: UserPrincipal,
  ): Promise<FlagDto> {
    return FlagDto.from(await this.flags.put(key, body, admin.userId));
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteFlag',
    summary: 'Delete a flag; a built-in flag returns to its built-in default',
  })
  @ApiNoContentResponse({ description: 'Deleted, or back to its built-in default' })
  @ApiProblemResponses(401, 403, 404, 429, 503)
  async delete(@Param('key') key: string, @CurrentUser() admin: UserPrincipal): Promise<void> {
    await this.flags.delete(key, admin.userId);
  }
}
