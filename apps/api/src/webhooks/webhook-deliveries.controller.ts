import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { type Page, Paginated, PageQueryDto } from '@groundwork/platform';
import { WebhookDeliveriesService } from '@groundwork/webhooks';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Caller } from '../http/auth/caller.decorators.js';
import type { Principal } from '../http/auth/principal.js';
import { Grant, type WorkspaceAccessGrant } from '../http/auth/workspace-access.context.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { workspaceActor } from '../workspaces/workspace-actor.js';
import { DeliveryDetailDto, DeliveryDto, DeliveryPageDto } from './webhooks.dto.js';

/** The delivery log of an endpoint: one row per (event, endpoint), with its attempts. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiCookieAuth()
@ApiParam({ name: 'workspaceId', type: String })
@Controller({ path: 'workspaces/:workspaceId/webhooks/:webhookId/deliveries', version: '1' })
@RequirePermission('webhooks:manage')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get()
  @Paginated()
  @ApiOperation({ operationId: 'listWebhookDeliveries', summary: 'The endpoint’s deliveries, newest first' })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async list(
    @Grant() grant: WorkspaceAccessGrant,
    @Param('webhookId') webhookId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<DeliveryDto>> {
    const page = await this.deliveries.list(grant.workspaceId, webhookId, query.limit, query.cursor);
    return { data: page.data.map(DeliveryDto.from), page: page.page };
  }

  @Get(':deliveryId')
  @ApiOperation({ operationId: 'getWebhookDelivery', summary: 'One delivery with its attempt log' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(
    @Grant() grant: WorkspaceAccessGrant,
    @Param('webhookId') webhookId: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<DeliveryDetailDto> {
    return DeliveryDetailDto.fromDetail(await this.deliveries.get(grant.workspaceId, webhookId, deliveryId));
  }

  @Post(':deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send the delivery once more (same `webhook-id`, fresh signature), whatever its state',
  })
  @ApiAcceptedResponse({ description: 'The delivery is pending again; the worker sends it shortly.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async redeliver(
    @Grant() grant: WorkspaceAccessGrant,
    @Caller() caller: Principal,
    @Param('webhookId') webhookId: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<void> {
    await this.deliveries.requestRedelivery(grant.workspaceId, webhookId, deliveryId, workspaceActor(caller, grant));
  }
}
