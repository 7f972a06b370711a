import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
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
import { WebhooksService } from '@groundwork/webhooks';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { Idempotent } from '../http/idempotency/idempotent.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookPageDto,
  WebhookPingDto,
  WebhookSecretDto,
} from './webhooks.dto.js';

/** Webhook endpoints (admins): signed deliveries of the workspace's public events. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/webhooks', version: '1' })
@RequirePermission('webhooks:manage')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  // The reply holds the signing secret: a replay must return it, so its stored copy is encrypted.
  @Idempotent({ sealReplay: true })
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Create a webhook endpoint; its secret is in this response only',
    description:
      'At most 25 endpoints per workspace: the 26th → 409 `limit-exceeded`. The URL must use an allowed port (WEBHOOK_ALLOWED_PORTS), else 422.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 415, 422, 429)
  async create(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Body() body: CreateWebhookDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<CreatedWebhookDto> {
    const created = await this.webhooks.create(workspaceId, actor, body);
    response.setHeader(
      'Location',
      `${this.config.http.publicApiUrl}/v1/workspaces/${workspaceId}/webhooks/${created.id}`,
    );
    response.setHeader('Cache-Control', 'no-store');
    return CreatedWebhookDto.fromCreated(created);
  }

  @Get()
  @Paginated()
  @ApiOperation({ operationId: 'listWebhooks', summary: 'The workspace’s webhook endpoints, newest first' })
  @ApiOkResponse({ type: WebhookPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(@WorkspaceId() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<WebhookDto>> {
    const page = await this.webhooks.list(workspaceId, query.limit, query.cursor);
    return { data: page.data.map(WebhookDto.from), page: page.page };
  }

  @Get(':webhookId')
  @ApiOperation({ operationId: 'getWebhook', summary: 'One webhook endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(@WorkspaceId() workspaceId: string, @Param('webhookId') webhookId: string): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.get(workspaceId, webhookId));
  }

  @Patch(':webhookId')
  @ApiOperation({
    operationId: 'updateWebhook',
    summary: 'Change a webhook endpoint; enabling a disabled one clears its failure streak',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiProblemResponses(400, 401, 403, 404, 415, 422, 429)
  async update(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('webhookId') webhookId: string,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.update(workspaceId, webhookId, actor, body));
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint and its delivery log' })
  @ApiNoContentResponse({ description: 'The endpoint is deleted; queued retries to it are dropped.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async delete(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('webhookId') webhookId: string,
  ): Promise<void> {
    await this.webhooks.delete(workspaceId, webhookId, actor);
  }

  @Post(':webhookId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret; for 24 h deliveries are signed with the old and the new one',
  })
  @ApiOkResponse({ type: WebhookSecretDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async rotateSecret(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('webhookId') webhookId: string,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<WebhookSecretDto> {
    const rotated = await this.webhooks.rotateSecret(workspaceId, webhookId, actor);
    response.setHeader('Cache-Control', 'no-store');
    return rotated;
  }

  @Post(':webhookId/ping')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'pingWebhook',
    summary: 'Send a `webhook.ping` event to this endpoint only',
    description: 'A disabled endpoint cannot be pinged (409). At most 10 pings a minute per endpoint (429).',
  })
  @ApiAcceptedResponse({ type: WebhookPingDto })
  @ApiProblemResponses(401, 403, 404, 409, 429)
  async ping(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('webhookId') webhookId: string,
  ): Promise<WebhookPingDto> {
    return { eventId: await this.webhooks.ping(workspaceId, webhookId, actor) };
  }
}
