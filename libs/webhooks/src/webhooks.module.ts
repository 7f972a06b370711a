import { Module } from '@nestjs/common';
import { OutboundHttpModule, RateLimiterModule } from '@groundwork/platform';
import { WorkspacesModule } from '@groundwork/workspaces';
import { WebhookDeliveriesService } from './deliveries/webhook-deliveries.service.js';
import { WebhookDeliveryRunner } from './deliveries/webhook-delivery.runner.js';
import { webhookOutboundPolicy } from './config/webhooks-config.js';
import { WebhooksService } from './endpoints/webhooks.service.js';
import { WebhookMails } from './mail/webhook-mails.js';

const SERVICES = [WebhooksService, WebhookDeliveriesService, WebhookDeliveryRunner, WebhookMails];

/**
 * The webhooks context: endpoints (admins manage them through the api), deliveries (created
 * and sent by the worker), Standard Webhooks signing. Outbound requests go through the
 * SSRF-safe client under the operator's WEBHOOK_ALLOW_* policy.
 */
@Module({
  imports: [OutboundHttpModule.forPolicy(webhookOutboundPolicy), RateLimiterModule, WorkspacesModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class WebhooksModule {}
