import { Module } from '@nestjs/common';
import { WorkspacesModule } from '@groundwork/workspaces';
import { ApiKeysController } from './api-keys.controller.js';
import { AuditLogController } from './audit-log.controller.js';
import { InvitationAcceptanceController, InvitationsController } from './invitations.controller.js';
import { MembersController } from './members.controller.js';
import { WorkspacesController } from './workspaces.controller.js';

/** The HTTP edge of the workspaces context: workspaces, members, invitations, API keys, the audit log. */
@Module({
  imports: [WorkspacesModule],
  controllers: [
    ApiKeysController,
    AuditLogController,
    WorkspacesController,
    MembersController,
    InvitationsController,
    InvitationAcceptanceController,
  ],
})
export class WorkspacesHttpModule {}
