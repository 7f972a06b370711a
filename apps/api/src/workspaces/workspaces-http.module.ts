import { Module } from '@nestjs/common';
import { WorkspacesModule } from '@groundwork/workspaces';
import { InvitationAcceptanceController, InvitationsController } from './invitations.controller.js';
import { MembersController } from './members.controller.js';
import { WorkspacesController } from './workspaces.controller.js';

/** The HTTP edge of the workspaces context: workspaces, members, invitations. */
@Module({
  imports: [WorkspacesModule],
  controllers: [WorkspacesController, MembersController, InvitationsController, InvitationAcceptanceController],
})
export class WorkspacesHttpModule {}
