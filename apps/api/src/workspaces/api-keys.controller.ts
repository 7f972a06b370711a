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
import { ApiKeysService, type WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';

/** Workspace API keys (admins): shown once, stored hashed, revocable at once. */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/api-keys', version: '1' })
@RequirePermission('api_keys:manage')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key; its secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  // The reply holds the key's secret: a replay must return it, so its stored copy is encrypted.
  @Idempotent({ sealReplay: true })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Body() body: CreateApiKeyDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<CreatedApiKeyDto> {
    const created = await this.keys.create(workspaceId, actor, {
      name: body.name,
      role: body.role,
      expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
    });
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/api-keys/${created.id}`,
    );
    response.setHeader('Cache-Control', 'no-store');
    return CreatedApiKeyDto.fromCreated(created);
  }

  @Get()
  @Paginated()
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'The workspace’s live API keys (never their secrets), newest first',
  })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<ApiKeyDto>> {
    const page = await this.keys.list(workspaceId, query.limit, query.cursor);
    return { data: page.data.map(ApiKeyDto.from), page: page.page };
  }

  @Get(':keyId')
  @ApiOperation({ operationId: 'getApiKey', summary: 'One live API key (without its secret)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('keyId') keyId: string): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.keys.get(workspaceId, keyId));
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key: its next request is refused' })
  @ApiNoContentResponse({ description: 'The key is revoked.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async revoke(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('keyId') keyId: string,
  ): Promise<void> {
    await this.keys.revoke(workspaceId, keyId, actor);
  }
}
