import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AppConfig, DomainError, type Page, Paginated, PageQueryDto } from '@groundwork/platform';
import { ApiKeysService } from '@groundwork/workspaces';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Caller } from '../http/auth/caller.decorators.js';
import type { Principal } from '../http/auth/principal.js';
import { Grant, type WorkspaceAccessGrant } from '../http/auth/workspace-access.context.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import { ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';

/** Workspace API keys (admins): shown once, stored hashed, revocable at once. */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiCookieAuth()
// The handlers read the workspace from the access grant, not @Param: the spec needs it declared.
@ApiParam({ name: 'workspaceId', type: String })
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
    @Grant() grant: WorkspaceAccessGrant,
    @Caller() caller: Principal,
    @Body() body: CreateApiKeyDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<CreatedApiKeyDto> {
    // A key minting keys would let a leaked key outlive its own revocation.
    if (caller.kind !== 'user') throw new DomainError('forbidden', 'API keys cannot create API keys.');
    const created = await this.keys.create(
      grant.workspaceId,
      { userId: caller.userId, role: grant.role },
      {
        name: body.name,
        role: body.role,
        expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
      },
    );
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${grant.workspaceId}/api-keys/${created.id}`,
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
  async list(@Grant() grant: WorkspaceAccessGrant, @Query() query: PageQueryDto): Promise<Page<ApiKeyDto>> {
    const page = await this.keys.list(grant.workspaceId, query.limit, query.cursor);
    return { data: page.data.map(ApiKeyDto.from), page: page.page };
  }

  @Get(':keyId')
  @ApiOperation({ operationId: 'getApiKey', summary: 'One live API key (without its secret)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@Grant() grant: WorkspaceAccessGrant, @Param('keyId') keyId: string): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.keys.get(grant.workspaceId, keyId));
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key: its next request is refused' })
  @ApiNoContentResponse({ description: 'The key is revoked.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async revoke(
    @Grant() grant: WorkspaceAccessGrant,
    @Caller() caller: Principal,
    @Param('keyId') keyId: string,
  ): Promise<void> {
    await this.keys.revoke(grant.workspaceId, keyId, {
      actorApiKeyId: caller.kind === 'api_key' ? caller.apiKeyId : undefined,
    });
  }
}
