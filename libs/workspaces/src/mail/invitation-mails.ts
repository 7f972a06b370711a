import { Injectable } from '@nestjs/common';
import { UsersService } from '@groundwork/identity';
import type { EventMailPlanner, PlannedMail } from '@groundwork/notifications';
import { AppConfig, type EventEnvelopeOf } from '@groundwork/platform';
import { WORKSPACE_MAILED_EVENTS } from '../events/workspace-events.js';
import { InvitationsService } from '../invitations/invitations.service.js';

type WorkspaceMailedEvent = (typeof WORKSPACE_MAILED_EVENTS)[number];

/** Who gets which mail for the workspaces events: an invitation goes to the invited address. */
@Injectable()
export class InvitationMails implements EventMailPlanner<WorkspaceMailedEvent> {
  readonly events = WORKSPACE_MAILED_EVENTS;

  constructor(
    private readonly invitations: InvitationsService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async plan(event: EventEnvelopeOf<WorkspaceMailedEvent>): Promise<PlannedMail[]> {
    const { invitationId } = event.data;
    // Revoked, replaced, accepted or expired since it was created: there is nothing to mail.
    const invitation = await this.invitations.forMail(invitationId);
    if (!invitation) return [];
    return [
      {
        to: invitation.email,
        template: 'workspace-invitation',
        compose: async () => {
          // As with verification: the token is born here and only its hash is stored.
          const token = await this.invitations.issueToken(invitationId);
          if (token === undefined) return undefined;
          const inviter = await this.users.findById(invitation.invitedById);
          return {
            inviterName: inviter?.name ?? 'A Groundwork user',
            workspaceName: invitation.workspaceName,
            role: invitation.role,
            acceptUrl: `${this.config.mail.appWebUrl}/invitations/${encodeURIComponent(token)}`,
            expiresInDays: Math.max(1, Math.ceil((invitation.expiresAt.getTime() - Date.now()) / 86_400_000)),
          };
        },
      },
    ];
  }
}
