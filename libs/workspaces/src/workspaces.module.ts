import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { TwoLevelCacheModule } from '@groundwork/platform';
import { WorkspaceAccess } from './access/workspace-access.js';
import { WorkspaceAccountDeletion } from './account/workspace-account-deletion.js';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { InvitationsService } from './invitations/invitations.service.js';
import { InvitationMails } from './mail/invitation-mails.js';
import { MembersService } from './members/members.service.js';
import { WorkspacesService } from './workspaces/workspaces.service.js';

const SERVICES = [
  WorkspaceAccess,
  ApiKeyAuthenticator,
  ApiKeysService,
  WorkspacesService,
  MembersService,
  InvitationsService,
  InvitationMails,
];

/**
 * The workspaces context: workspaces, memberships and roles, invitations, API keys. It uses
 * identity's exported services (names, emails, invitation tokens) and takes part in account
 * deletion; identity never imports it.
 */
@Module({
  imports: [IdentityModule, TwoLevelCacheModule],
  providers: [...SERVICES, WorkspaceAccountDeletion],
  exports: SERVICES,
})
export class WorkspacesModule {}
