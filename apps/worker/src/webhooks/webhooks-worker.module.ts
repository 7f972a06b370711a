import { Module } from '@nestjs/common';
import { QueueModule } from '@groundwork/platform/queue';
import { WebhooksModule as WebhooksContextModule } from '@groundwork/webhooks';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhookFanOutProcessor } from './webhook-fanout.processor.js';

@Module({
  imports: [QueueModule.registerQueues('webhooks', 'webhook-deliveries'), WebhooksContextModule],
  providers: [WebhookFanOutProcessor, WebhookDeliveryProcessor],
})
export class WebhooksWorkerModule {}
