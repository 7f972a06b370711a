import { Injectable } from '@nestjs/common';
import type { EventMailPlanner, PlannedMail } from '@groundwork/notifications';
import { AppConfig, type EventEnvelopeOf } from '@groundwork/platform';
import { MembersService, WorkspacesService } from '@groundwork/workspaces';
import { WebhooksService } from '../endpoints/webhooks.service.js';
import { WEBHOOK_MAILED_EVENTS } from '../events/webhook-events.js';

type WebhookMailedEvent = (typeof WEBHOOK_MAILED_EVENTS)[number];

/** Who gets which mail for the webhooks events: a disabled endpoint's workspace managers. */
@Injectable()
export class WebhookMails implements EventMailPlanner<WebhookMailedEvent> {
  readonly events = WEBHOOK_MAILED_EVENTS;

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly workspaces: WorkspacesService,
    private readonly members: MembersService,
    private readonly config: AppConfig,
  ) {}

  /** Every manager (owner, admins) of the endpoint's workspace, while it is still disabled. */
  async plan(event: EventEnvelopeOf<WebhookMailedEvent>): Promise<PlannedMail[]> {
    const { webhookId, consecutiveFailures } = event.data;
    const endpoint = await this.webhooks.disabledNotice(webhookId);
    if (!endpoint || endpoint.enabled) return [];
    const workspace = await this.workspaces.get(endpoint.workspaceId, 'owner');
    const managers = await this.members.managers(endpoint.workspaceId);
    const data = {
      workspaceName: workspace.name,
      webhookUrl: endpoint.url,
      failures: consecutiveFailures,
      settingsUrl: `${this.config.mail.appWebUrl}/workspaces/${endpoint.workspaceId}/settings/webhooks/${webhookId}`,
    };
    return managers.map((manager) => ({
      to: manager.email,
      template: 'webhook-disabled' as const,
      compose: async () => data,
    }));
  }
}
