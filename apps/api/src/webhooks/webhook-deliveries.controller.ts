import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Page, Paginated } from '@groundwork/platform';
import { PageQueryDto } from '../http/page-query.dto.js';
import { WebhookDeliveriesService } from '@groundwork/webhooks';
import type { WorkspaceActor } from '@groundwork/workspaces';
import { RequirePermission } from '../http/auth/access-rules.js';
import { Actor, WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { DeliveryDetailDto, DeliveryDto, DeliveryPageDto } from './webhooks.dto.js';

/** The delivery log of an endpoint: one row per (event, endpoint), with its attempts. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiCookieAuth()
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
    @WorkspaceId() workspaceId: string,
    @Param('webhookId') webhookId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<DeliveryDto>> {
    const page = await this.deliveries.list(workspaceId, webhookId, query.limit, query.cursor);
    return { data: page.data.map(DeliveryDto.from), page: page.page };
  }

  @Get(':deliveryId')
  @ApiOperation({ operationId: 'getWebhookDelivery', summary: 'One delivery with its attempt log' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiProblemResponses(401, 403, 404, 429)
  async get(
    @WorkspaceId() workspaceId: string,
    @Param('webhookId') webhookId: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<DeliveryDetailDto> {
    return DeliveryDetailDto.fromDetail(await this.deliveries.get(workspaceId, webhookId, deliveryId));
  }

  @Post(':deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send the delivery once more (same `webhook-id`, fresh signature), whatever its state',
    description: 'At most 60 redeliveries a minute per workspace (429).',
  })
  @ApiAcceptedResponse({ description: 'The delivery is pending again; the worker sends it shortly.' })
  @ApiProblemResponses(401, 403, 404, 429)
  async redeliver(
    @WorkspaceId() workspaceId: string,
    @Actor() actor: WorkspaceActor,
    @Param('webhookId') webhookId: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<void> {
    await this.deliveries.requestRedelivery(workspaceId, webhookId, deliveryId, actor);
  }
}
