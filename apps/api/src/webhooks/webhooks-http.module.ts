import { Module } from '@nestjs/common';
import { WebhooksModule } from '@groundwork/webhooks';
import { WebhookDeliveriesController } from './webhook-deliveries.controller.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({
  imports: [WebhooksModule],
  controllers: [WebhooksController, WebhookDeliveriesController],
})
export class WebhooksHttpModule {}
